import type { Db } from '../../db/client.js';
import { conflict } from '../../http/errors.js';
import { findSuperAdminRole, grantRole } from '../access/service.js';
import { type AuditActor, recordAudit } from '../audit/service.js';
import { hashPassword } from '../auth/passwords.js';
import * as queries from './queries.js';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** `tessera create-admin` and the bootstrap admin: an active, verified user holding the super-admin role. */
export async function createSuperAdmin(db: Db, input: { email: string; password: string }, actor: AuditActor = {}) {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const role = await findSuperAdminRole(tx);
    if (!role) throw conflict('NO_SUPER_ADMIN_ROLE', 'No super-admin role exists: run `tessera seed --preset basic` first.');
    const email = normalizeEmail(input.email);
    if (await queries.findUserByEmail(tx, email)) throw conflict('EMAIL_ALREADY_EXISTS', `A user with the email ${email} already exists.`);
    const user = await queries.insertUserWithProfile(tx, { email, passwordHash, status: 'ACTIVE', emailVerifiedAt: new Date() });
    await grantRole(tx, user.id, role.id);
    await recordAudit(tx, actor, {
      action: 'user.created',
      entity: 'user',
      entityId: user.id,
      payload: { email, roles: [role.name], via: 'create-admin' },
    });
    return user;
  });
}

export const countUsers = queries.countUsers;
