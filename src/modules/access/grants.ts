import type { Executor } from '../../db/client.js';
import type { Principal, SignedInCaller } from '../../platform/caller.js';
import { isoOrNull } from '../../platform/dates.js';
import type { DomainUseCases } from '../events.js';
import { accessErrors as errors } from './errors.js';
import { assertMayActOn, heldAccess } from './power.js';
import type { UserCondition } from './queries.js';
import * as queries from './queries.js';
import { tenantOf } from './tenancy.js';

export type Role = Awaited<ReturnType<typeof queries.findRolesByNameOrId>>[number];

const missingOf = (refs: string[], found: { id: string; name: string }[]) =>
  refs.filter((ref) => !found.some((row) => row.id === ref || row.name === ref));

/** Resolves names or ids to rows, refusing any that do not exist (400 naming them). */
export async function resolveRoles(db: Executor, refs: string[]): Promise<Role[]> {
  const found = await queries.findRolesByNameOrId(db, refs);
  const missing = missingOf(refs, found);
  if (missing.length > 0) throw errors.UNKNOWN_ROLE(`Unknown role: ${missing.join(', ')}.`);
  return found;
}

export async function resolvePermissions(db: Executor, refs: string[]) {
  const found = await queries.findPermissionsByNameOrId(db, refs);
  const missing = missingOf(refs, found);
  if (missing.length > 0) throw errors.UNKNOWN_PERMISSION(`Unknown permission: ${missing.join(', ')}.`);
  return found;
}

/**
 * Nobody hands out more than they hold: every permission of every role granted (and a super-admin
 * role itself) must already be the actor's, as this request holds them (an API key: only its scopes).
 * This is what stops an admin from minting a super-admin.
 */
export async function assertMayGrant(db: Executor, principal: Principal, grant: { roles?: Role[]; permissions?: string[] }) {
  const actor = await heldAccess(db, principal);
  if (actor.isSuperAdmin) return;
  if (grant.roles?.some((role) => role.isSuperAdmin))
    throw errors.GRANT_EXCEEDS_OWN_ACCESS('Only a super-admin can grant a super-admin role.');
  const roleIds = (grant.roles ?? []).map((role) => role.id);
  const rolePermissionNames = (await queries.permissionNamesOfRoles(db, roleIds)).map((row) => row.name);
  const wanted = [...new Set([...rolePermissionNames, ...(grant.permissions ?? [])])];
  const missing = wanted.filter((name) => !(actor.permissions as ReadonlySet<string>).has(name));
  if (missing.length > 0) throw errors.GRANT_EXCEEDS_OWN_ACCESS(`You cannot grant what you do not hold: ${missing.join(', ')}.`);
}

/**
 * Where each role is granted: a platform role (super-admin, or carrying tenants:all) platform-wide, any
 * other within the organization given (platform-wide when there is none: a person in no organization).
 */
export async function grantScopes(db: Executor, roles: Role[], organizationId: string | null) {
  const platform = await queries.platformRoleIds(
    db,
    roles.map((role) => role.id),
  );
  return new Map(roles.map((role) => [role.id, platform.has(role.id) ? null : organizationId]));
}

/** tenants:all is platform-wide by nature; every other direct grant holds within the organization given. */
export const permissionScope = (name: string, organizationId: string | null) => (name === 'tenants:all' ? null : organizationId);

/** The last active super-admin keeps the role and the account: someone must be able to administer. */
export async function assertNotLastSuperAdmin(db: Executor, userId: string, isActive: UserCondition) {
  if (!(await queries.holdsSuperAdminRole(db, userId))) return;
  await queries.lockSuperAdminGrants(db);
  if ((await queries.countOtherActiveSuperAdmins(db, userId, isActive)) === 0) throw errors.LAST_SUPER_ADMIN();
}

/**
 * An administrator confined to an organization revokes a grant held within it; one held platform-wide (given while
 * the person was in no organization) reaches every organization they are in, and is revoked across them only.
 */
function revocationScope(principal: Principal, organizationId: string | null): queries.RevocationScope {
  return tenantOf(principal) !== undefined && organizationId ? { within: organizationId } : organizationId;
}
const notHeldWithin = (principal: Principal, what: 'role' | 'permission') =>
  tenantOf(principal) === undefined
    ? undefined
    : `The user holds no such ${what} within your organization (one held platform-wide is revoked by an administrator acting across organizations).`;

/**
 * Grants of roles and direct permissions to a user within an organization (`organizationId`: the
 * organization the grant holds in; null for a person in none); the caller has already checked the user is
 * in their tenancy, and each use case checks the user holds no more than the actor. A revocation takes the
 * grant within that organization and, by an administrator acting across organizations, a platform-wide one.
 */
export function createGrants(useCases: DomainUseCases, people: { isActive: UserCondition }) {
  return {
    async grantRoles(caller: SignedInCaller, userId: string, refs: string[], organizationId: string | null) {
      await useCases.run(caller, async (tx, emit) => {
        const found = await resolveRoles(tx, refs);
        await assertMayActOn(tx, caller.principal, userId, 'organization');
        await assertMayGrant(tx, caller.principal, { roles: found });
        const scopes = await grantScopes(tx, found, organizationId);
        const granted: string[] = [];
        for (const role of found) {
          if (await queries.grantRole(tx, userId, role.id, caller.principal.userId, scopes.get(role.id))) granted.push(role.name);
        }
        if (granted.length > 0) await emit({ type: 'user.roles_granted', entityId: userId, organizationId, payload: { roles: granted } });
      });
    },

    async revokeRole(caller: SignedInCaller, userId: string, roleId: string, organizationId: string | null) {
      await useCases.run(caller, async (tx, emit) => {
        const [role] = await resolveRoles(tx, [roleId]);
        if (!role) return;
        await assertMayActOn(tx, caller.principal, userId, 'organization');
        await assertMayGrant(tx, caller.principal, { roles: [role] });
        if (role.isSuperAdmin) await assertNotLastSuperAdmin(tx, userId, people.isActive);
        if (!(await queries.revokeRole(tx, userId, role.id, revocationScope(caller.principal, organizationId))))
          throw errors.ROLE_NOT_HELD(notHeldWithin(caller.principal, 'role'));
        await emit({ type: 'user.role_revoked', entityId: userId, organizationId, payload: { role: role.name } });
      });
    },

    async grantPermissions(caller: SignedInCaller, userId: string, refs: string[], expiresAt: Date | null, organizationId: string | null) {
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw errors.INVALID_EXPIRY();
      await useCases.run(caller, async (tx, emit) => {
        const found = await resolvePermissions(tx, refs);
        await assertMayActOn(tx, caller.principal, userId, 'organization');
        await assertMayGrant(tx, caller.principal, { permissions: found.map((permission) => permission.name) });
        const granted: string[] = [];
        for (const permission of found) {
          const scope = permissionScope(permission.name, organizationId);
          if (await queries.grantPermission(tx, userId, permission.id, expiresAt, caller.principal.userId, scope))
            granted.push(permission.name);
        }
        if (granted.length > 0) {
          const payload = { permissions: granted, expiresAt: isoOrNull(expiresAt) };
          await emit({ type: 'user.permissions_granted', entityId: userId, organizationId, payload });
        }
      });
    },

    async revokePermission(caller: SignedInCaller, userId: string, permissionId: string, organizationId: string | null) {
      await useCases.run(caller, async (tx, emit) => {
        const [permission] = await resolvePermissions(tx, [permissionId]);
        if (!permission) return;
        await assertMayActOn(tx, caller.principal, userId, 'organization');
        await assertMayGrant(tx, caller.principal, { permissions: [permission.name] });
        if (!(await queries.revokePermission(tx, userId, permission.id, revocationScope(caller.principal, organizationId))))
          throw errors.PERMISSION_NOT_HELD(notHeldWithin(caller.principal, 'permission'));
        await emit({ type: 'user.permission_revoked', entityId: userId, organizationId, payload: { permission: permission.name } });
      });
    },
  };
}
