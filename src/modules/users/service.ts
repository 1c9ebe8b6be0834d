import type { Static } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import type { Db, Executor } from '../../db/client.js';
import { badRequest, conflict, forbidden } from '../../http/errors.js';
import type { Principal } from '../../http/route-policy.js';
import { assertMayGrant, assertNotLastSuperAdmin, resolveRoles } from '../access/grants.js';
import { findDefaultRole, findSuperAdminRole, grantRole } from '../access/service.js';
import { assertInTenancy, resolveUserId, tenantOf } from '../access/tenancy.js';
import { type AuditActor, recordAudit } from '../audit/service.js';
import { assertPasswordAcceptable } from '../auth/password-policy.js';
import { hashPassword } from '../auth/passwords.js';
import type { AuthService } from '../auth/service.js';
import { enqueueMail } from '../mail/outbox.js';
import * as queries from './queries.js';
import type { CreateUserBody, DetailQuery, ListQuery, PatchUserBody, SelfUpdateBody } from './schemas.js';
import { decodeCursor, encodeCursor, ownFields, profileView, userView } from './views.js';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const countUsers = queries.countUsers;
export type UserRow = queries.UserRow;
export type NewUser = queries.NewUser;

/**
 * What the auth module needs of user records (finding, creating and marking accounts), always on the
 * executor of the caller's transaction.
 */
export const accounts = {
  normalizeEmail,
  findByEmail: (executor: Executor, email: string) => queries.findUserByEmail(executor, normalizeEmail(email)),
  findById: (executor: Executor, id: string) => queries.findUserById(executor, id),
  findForLogin: queries.findUserForLogin,
  create: queries.insertUserWithProfile,
  setPasswordHash: queries.setPasswordHash,
  recordLogin: queries.recordLogin,
  markEmailVerified: queries.markEmailVerified,
  /** The one user view of the API. */
  view: userView,
};

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
      payload: { roles: [role.name], via: 'create-admin' },
    });
    return user;
  });
}

type Include = 'profile' | 'roles' | 'permissions' | 'subscription' | 'organization';
const SET_PASSWORD_TTL_MS = 72 * 3_600_000;

/** Fields whose change is recorded before → after in the audit trail. */
function changes(before: queries.UserRow, after: queries.UserRow) {
  const diff: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of [
    'email',
    'username',
    'phone',
    'firstName',
    'lastName',
    'organizationId',
    'userTypeId',
    'status',
    'statusReason',
  ] as const) {
    if (before[key] !== after[key]) diff[key] = { before: before[key], after: after[key] };
  }
  return diff;
}

export function createUsersService(context: AppContext, auth: AuthService) {
  const { config, database } = context;
  const db = database.primary;

  /** The target user, or the same 404 whether it is missing or outside the actor's tenancy. */
  async function visibleUser(tx: Executor, principal: Principal, id: string) {
    const user = await queries.findUserById(tx, resolveUserId(principal, id));
    assertInTenancy(principal, user);
    return user;
  }

  /** An organization change moves a user between tenants: only cross-tenant actors may. */
  function assertMayPlace(principal: Principal, organizationId: string | null | undefined) {
    const tenant = tenantOf(principal);
    if (organizationId !== undefined && tenant !== undefined && organizationId !== tenant) {
      throw forbidden('ORGANIZATION_NOT_ALLOWED', 'You can only place users in your own organization.');
    }
  }

  async function afterEmailChange(tx: Executor, before: queries.UserRow, after: queries.UserRow) {
    if (before.email === after.email) return;
    const url = await auth.createOneTimeLink(tx, after.id, 'EMAIL_VERIFICATION', config.VERIFY_TOKEN_TTL, '/verify-email');
    await enqueueMail(tx, { to: after.email, template: 'verifyEmail', data: { url }, userId: after.id });
    await enqueueMail(tx, { to: before.email, template: 'emailChangeNotice', data: { newEmail: after.email }, userId: after.id });
  }

  async function applyUserChange(
    tx: Executor,
    before: queries.UserRow,
    values: Partial<queries.NewUser>,
    actor: AuditActor,
    action: string,
  ) {
    const emailChanged = values.email !== undefined && normalizeEmail(values.email) !== before.email;
    const after = await queries.updateUser(tx, before.id, {
      ...values,
      ...(values.email !== undefined ? { email: normalizeEmail(values.email) } : {}),
      // A new address is unproven until its owner follows the link sent to it.
      ...(emailChanged ? { emailVerifiedAt: null } : {}),
    });
    await afterEmailChange(tx, before, after);
    await recordAudit(tx, actor, {
      action,
      entity: 'user',
      entityId: before.id,
      organizationId: after.organizationId,
      payload: { changes: changes(before, after) },
    });
    return after;
  }

  async function endSessions(userId: string) {
    await auth.sessionsRevoked(userId);
    await context.access.invalidate(userId);
  }

  return {
    db,
    visibleUser,

    async list(principal: Principal, query: Static<typeof ListQuery>) {
      const limit = query.limit ?? 20;
      const sort = query.sort ?? 'createdAt';
      const order = query.order ?? (sort === 'email' || sort === 'name' ? 'asc' : 'desc');
      const after = query.cursor ? decodeCursor(query.cursor) : undefined;
      if (query.cursor && !after) throw badRequest('INVALID_CURSOR', 'The cursor is not valid.');
      const tenant = tenantOf(principal);
      const roleId = query.role ? await queries.findRoleIdByName(database.read, query.role) : undefined;
      // Another tenant's organization, or a role that does not exist: nothing matches.
      if ((query.organizationId && tenant && query.organizationId !== tenant) || (query.role && !roleId)) {
        return { data: [], total: 0, totalExact: true, page: 1, limit, nextCursor: null };
      }
      const filter: queries.UserFilter = {
        organizationId: tenant ?? query.organizationId,
        search: query.search,
        status: query.status,
        roleId,
        userTypeId: query.userTypeId,
        emailVerified: query.emailVerified,
        createdFrom: query.createdFrom ? new Date(query.createdFrom) : undefined,
        createdTo: query.createdTo ? new Date(query.createdTo) : undefined,
      };
      // An explicit page asks for seed 001's findAndCount (offset + total); otherwise keyset from the top, no count.
      const page = after ? undefined : query.page;
      // Lists may be a moment stale: they read from a replica when there is one.
      const reader = database.read;
      const [rows, counted] = await Promise.all([
        queries.listUsers(reader, filter, { sort, order, limit, after, offset: page ? (page - 1) * limit : 0 }),
        page ? queries.countMatchingUsers(reader, filter) : Promise.resolve(undefined),
      ]);
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return {
        data: shown.map((row) => userView(row.user)),
        ...(counted ? { total: counted.total, totalExact: counted.exact, page } : {}),
        limit,
        nextCursor: rows.length > limit && last ? encodeCursor(last.sortValue, last.user.id) : null,
      };
    },

    async detail(principal: Principal, id: string, query: Static<typeof DetailQuery>) {
      const user = await visibleUser(db, principal, id);
      const include = new Set((query.include?.split(',') ?? []) as Include[]);
      const [profile, roles, access, subscription, organization] = await Promise.all([
        include.has('profile') ? queries.findProfile(db, user.id) : undefined,
        include.has('roles') ? queries.rolesOf(db, user.id) : undefined,
        include.has('permissions') ? context.access.get(db, user.id) : undefined,
        include.has('subscription') ? queries.subscriptionOf(db, user.id) : undefined,
        include.has('organization') ? queries.organizationOf(db, user.organizationId) : undefined,
      ]);
      return {
        ...userView(user),
        ...(profile ? { profile: profileView(profile) } : {}),
        ...(roles ? { roles } : {}),
        ...(access ? { permissions: access.permissions } : {}),
        ...(include.has('subscription')
          ? {
              subscription: subscription
                ? {
                    type: subscription.type,
                    status: subscription.status,
                    startDate: subscription.startDate.toISOString(),
                    endDate: subscription.endDate?.toISOString() ?? null,
                    features: subscription.features,
                  }
                : null,
            }
          : {}),
        ...(include.has('organization') ? { organization } : {}),
      };
    },

    async create(principal: Principal, body: Static<typeof CreateUserBody>, actor: AuditActor) {
      const organizationId = body.organizationId ?? tenantOf(principal) ?? null;
      assertMayPlace(principal, organizationId);
      if (body.password) assertPasswordAcceptable(body.password, config.PASSWORD_MIN_LENGTH);
      const passwordHash = body.password ? await hashPassword(body.password) : null;
      const [first, ...rest] = (body.name ?? '').trim().split(/\s+/);
      const user = await db.transaction(async (tx) => {
        const roles = body.roles?.length
          ? await resolveRoles(tx, body.roles)
          : [await findDefaultRole(tx)].filter((role) => role !== undefined);
        await assertMayGrant(tx, principal, { roles });
        const created = await queries.insertUserWithProfile(tx, {
          email: normalizeEmail(body.email),
          username: body.username ?? null,
          phone: body.phone ?? null,
          firstName: body.firstName ?? first ?? '',
          lastName: body.lastName ?? rest.join(' '),
          organizationId,
          userTypeId: body.userTypeId ?? null,
          passwordHash,
          status: 'ACTIVE',
        });
        for (const role of roles) await grantRole(tx, created.id, role.id, principal.userId);
        // Without a password the user chooses one from a mailed link (which also proves the address).
        const url = await auth.createOneTimeLink(
          tx,
          created.id,
          passwordHash ? 'EMAIL_VERIFICATION' : 'SET_PASSWORD',
          passwordHash ? config.VERIFY_TOKEN_TTL : SET_PASSWORD_TTL_MS,
          passwordHash ? '/verify-email' : '/reset-password',
        );
        await enqueueMail(
          tx,
          passwordHash
            ? { to: created.email, template: 'verifyEmail', data: { url }, userId: created.id }
            : { to: created.email, template: 'setPassword', data: { url, hours: SET_PASSWORD_TTL_MS / 3_600_000 }, userId: created.id },
        );
        await recordAudit(tx, actor, {
          action: 'user.created',
          entity: 'user',
          entityId: created.id,
          organizationId,
          payload: { roles: roles.map((role) => role.name), withPassword: Boolean(passwordHash) },
        });
        return created;
      });
      return userView(user);
    },

    async update(principal: Principal, id: string, body: Static<typeof PatchUserBody>, actor: AuditActor) {
      assertMayPlace(principal, body.organizationId);
      const user = await db.transaction(async (tx) => {
        const before = await visibleUser(tx, principal, id);
        return applyUserChange(tx, before, body, actor, 'user.updated');
      });
      return userView(user);
    },

    async setStatus(
      principal: Principal,
      id: string,
      status: 'ACTIVE' | 'SUSPENDED' | 'INACTIVE',
      reason: string | undefined,
      actor: AuditActor,
      action: string,
    ) {
      const user = await db.transaction(async (tx) => {
        const before = await visibleUser(tx, principal, id);
        if (status !== 'ACTIVE') {
          if (before.id === principal.userId) throw conflict('CANNOT_TARGET_SELF', 'You cannot do this to your own account.');
          await assertNotLastSuperAdmin(tx, before.id);
          await auth.revokeAllSessions(before.id, action, tx);
        }
        return applyUserChange(
          tx,
          before,
          { status, statusReason: status === 'ACTIVE' ? null : (reason ?? null), deletedAt: status === 'INACTIVE' ? new Date() : null },
          actor,
          action,
        );
      });
      if (status !== 'ACTIVE') await endSessions(user.id);
      return userView(user);
    },

    /** GDPR erasure: the row and everything it owns go; the audit trail keeps that it happened, by id only. */
    async erase(principal: Principal, id: string, actor: AuditActor) {
      await db.transaction(async (tx) => {
        const user = await visibleUser(tx, principal, id);
        if (user.id === principal.userId) throw conflict('CANNOT_TARGET_SELF', 'You cannot do this to your own account.');
        await assertNotLastSuperAdmin(tx, user.id);
        await queries.deleteUser(tx, user.id);
        await recordAudit(tx, actor, { action: 'user.erased', entity: 'user', entityId: user.id, organizationId: user.organizationId });
      });
      await endSessions(resolveUserId(principal, id));
    },

    async emailExists(email: string) {
      return queries.emailExists(db, normalizeEmail(email));
    },

    async selfProfile(principal: Principal) {
      const user = await visibleUser(db, principal, 'me');
      const [profile, preferences, stats] = await Promise.all([
        queries.findProfile(db, user.id),
        queries.findPreferences(db, user.id),
        queries.findStats(db, user.id),
      ]);
      const profileRow = profile ?? (await queries.upsertProfile(db, user.id, {}));
      return {
        ...userView(user),
        profile: profileView(profileRow),
        preferences: preferences ? preferencesView(preferences) : null,
        stats: stats ? statsView(stats) : null,
      };
    },

    async updateSelf(principal: Principal, body: Static<typeof SelfUpdateBody>, actor: AuditActor) {
      const { profile, preferences, ...fields } = body;
      await db.transaction(async (tx) => {
        const before = await visibleUser(tx, principal, 'me');
        if (Object.keys(fields).length > 0) await applyUserChange(tx, before, fields, actor, 'user.self_updated');
        if (profile) await queries.upsertProfile(tx, before.id, profile);
        if (preferences) await queries.upsertPreferences(tx, before.id, preferences);
        for (const [entity, changed] of [
          ['profile', profile],
          ['learning_preferences', preferences],
        ] as const) {
          if (changed)
            await recordAudit(tx, actor, {
              action: `${entity}.updated`,
              entity,
              entityId: before.id,
              payload: { fields: Object.keys(changed) },
            });
        }
      });
      return this.selfProfile(principal);
    },
  };
}

const preferencesView = (row: NonNullable<Awaited<ReturnType<typeof queries.findPreferences>>>) => ownFields(row);

function statsView(row: NonNullable<Awaited<ReturnType<typeof queries.findStats>>>) {
  return Object.fromEntries(
    Object.entries(ownFields(row)).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value]),
  );
}

export type UsersService = ReturnType<typeof createUsersService>;
