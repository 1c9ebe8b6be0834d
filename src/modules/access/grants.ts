import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { badRequest, conflict, forbidden } from '../../http/errors.js';
import type { Principal } from '../../http/route-policy.js';
import { type AuditActor, recordAudit } from '../audit/service.js';
import { loadAccessProfile } from './effective.js';
import * as queries from './queries.js';

type Role = Awaited<ReturnType<typeof queries.findRolesByNameOrId>>[number];

/** Resolves names or ids to rows, refusing any that do not exist (400 naming them). */
export async function resolveRoles(db: Executor, refs: string[]): Promise<Role[]> {
  const found = await queries.findRolesByNameOrId(db, refs);
  const missing = refs.filter((ref) => !found.some((role) => role.id === ref || role.name === ref));
  if (missing.length > 0) throw badRequest('UNKNOWN_ROLE', `Unknown role: ${missing.join(', ')}.`);
  return found;
}

export async function resolvePermissions(db: Executor, refs: string[]) {
  const found = await queries.findPermissionsByNameOrId(db, refs);
  const missing = refs.filter((ref) => !found.some((permission) => permission.id === ref || permission.name === ref));
  if (missing.length > 0) throw badRequest('UNKNOWN_PERMISSION', `Unknown permission: ${missing.join(', ')}.`);
  return found;
}

/**
 * Nobody hands out more than they hold: every permission of every role granted (and a super-admin
 * role itself) must already be the actor's. This is what stops an admin from minting a super-admin.
 */
export async function assertMayGrant(db: Executor, principal: Principal, grant: { roles?: Role[]; permissions?: string[] }) {
  const actor = await loadAccessProfile(db, principal.userId);
  if (actor.isSuperAdmin) return;
  if (grant.roles?.some((role) => role.isSuperAdmin))
    throw forbidden('GRANT_EXCEEDS_OWN_ACCESS', 'Only a super-admin can grant a super-admin role.');
  const rolePermissionNames = (
    await queries.permissionNamesOfRoles(
      db,
      (grant.roles ?? []).map((role) => role.id),
    )
  ).map((row) => row.name);
  const wanted = [...new Set([...rolePermissionNames, ...(grant.permissions ?? [])])];
  const missing = wanted.filter((name) => !(actor.permissions as string[]).includes(name));
  if (missing.length > 0) throw forbidden('GRANT_EXCEEDS_OWN_ACCESS', `You cannot grant what you do not hold: ${missing.join(', ')}.`);
}

/** The last active super-admin keeps the role and the account: someone must be able to administer. */
export async function assertNotLastSuperAdmin(db: Executor, userId: string) {
  if ((await queries.holdsSuperAdminRole(db, userId)) && (await queries.countOtherActiveSuperAdmins(db, userId)) === 0) {
    throw conflict('LAST_SUPER_ADMIN', 'This is the last active super-admin; make another one first.');
  }
}

export function createGrants(context: AppContext) {
  const db = context.database.primary;
  return {
    async grantRoles(principal: Principal, userId: string, refs: string[], actor: AuditActor) {
      await db.transaction(async (tx) => {
        const found = await resolveRoles(tx, refs);
        await assertMayGrant(tx, principal, { roles: found });
        for (const role of found) await queries.grantRole(tx, userId, role.id, principal.userId);
        await recordAudit(tx, actor, {
          action: 'user.roles_granted',
          entity: 'user',
          entityId: userId,
          payload: { roles: found.map((role) => role.name) },
        });
      });
      await context.access.invalidate(userId);
    },

    async revokeRole(principal: Principal, userId: string, roleId: string, actor: AuditActor) {
      await db.transaction(async (tx) => {
        const [role] = await resolveRoles(tx, [roleId]);
        if (!role) return;
        await assertMayGrant(tx, principal, { roles: [role] });
        if (role.isSuperAdmin) await assertNotLastSuperAdmin(tx, userId);
        if (!(await queries.revokeRole(tx, userId, role.id))) throw badRequest('ROLE_NOT_HELD', 'The user does not hold this role.');
        await recordAudit(tx, actor, { action: 'user.role_revoked', entity: 'user', entityId: userId, payload: { role: role.name } });
      });
      await context.access.invalidate(userId);
    },

    async grantPermissions(principal: Principal, userId: string, refs: string[], expiresAt: Date | null, actor: AuditActor) {
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw badRequest('INVALID_EXPIRY', 'expiresAt must be in the future.');
      await db.transaction(async (tx) => {
        const found = await resolvePermissions(tx, refs);
        await assertMayGrant(tx, principal, { permissions: found.map((permission) => permission.name) });
        for (const permission of found) await queries.grantPermission(tx, userId, permission.id, expiresAt, principal.userId);
        await recordAudit(tx, actor, {
          action: 'user.permissions_granted',
          entity: 'user',
          entityId: userId,
          payload: { permissions: found.map((permission) => permission.name), expiresAt: expiresAt?.toISOString() ?? null },
        });
      });
      await context.access.invalidate(userId);
    },

    async revokePermission(principal: Principal, userId: string, permissionId: string, actor: AuditActor) {
      await db.transaction(async (tx) => {
        const [permission] = await resolvePermissions(tx, [permissionId]);
        if (!permission) return;
        await assertMayGrant(tx, principal, { permissions: [permission.name] });
        if (!(await queries.revokePermission(tx, userId, permission.id)))
          throw badRequest('PERMISSION_NOT_HELD', 'The user has no direct grant of this permission.');
        await recordAudit(tx, actor, {
          action: 'user.permission_revoked',
          entity: 'user',
          entityId: userId,
          payload: { permission: permission.name },
        });
      });
      await context.access.invalidate(userId);
    },
  };
}

export type Grants = ReturnType<typeof createGrants>;
