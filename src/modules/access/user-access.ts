import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { Principal } from '../../platform/caller.js';
import { isoOrNull } from '../../platform/dates.js';
import { type ExportPart, rowsWithin } from '../../platform/export-scope.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent } from '../events.js';
import { type AccessScope, cachedAccessProfile, cachedUserGrants, EVERYWHERE, loadUserGrants } from './effective.js';
import { accessErrors as errors } from './errors.js';
import { assertMayGrant, grantScopes, resolveRoles } from './grants.js';
import * as queries from './queries.js';

/** What other modules ask of access about one user, on the executor of their own transaction. */
export function createUserAccess(context: AppContext) {
  return {
    /** Roles held in the scope (an organization's and platform-wide ones; EVERYWHERE: all). */
    rolesOf: (executor: Executor, userId: string, scope: AccessScope) => queries.rolesOf(executor, userId, scope),
    /**
     * Roles of a page of users, each in their own scope, in one query: the id and name of each, by user
     * (a user holding none is absent).
     */
    async rolesOfUsers(executor: Executor, users: { userId: string; scope: AccessScope }[]) {
      const usersByScope = new Map<AccessScope, string[]>();
      for (const { userId, scope } of users) usersByScope.set(scope, [...(usersByScope.get(scope) ?? []), userId]);
      const rolesByUser = new Map<string, { id: string; name: string }[]>();
      if (users.length === 0) return rolesByUser;
      for (const { userId, id, name } of await queries.rolesOfUsers(executor, usersByScope)) {
        rolesByUser.set(userId, [...(rolesByUser.get(userId) ?? []), { id, name }]);
      }
      return rolesByUser;
    },
    /** Effective permissions in the scope, from the cross-node cached grants. */
    permissionsOf: async (executor: Executor, userId: string, scope: AccessScope) =>
      (await cachedAccessProfile(context, executor, userId, scope)).permissions,
    /** Every grant of the user per organization, cached across nodes (a membership list's roles). */
    grantsOf: (executor: Executor, userId: string) => cachedUserGrants(context, executor, userId),
    /** The same read now, in the caller's transaction: what it has just changed counts. */
    grantsNow: loadUserGrants,
    /** Ends a person's grants within an organization, in the caller's transaction (their membership ended). */
    revokeAllWithin: queries.revokeAllWithin,
    /** Conditions for another module's member queries (the role tables are access's). */
    holdsPermissionWithin: queries.holdsPermissionWithin,
    holdsRoleWithin: queries.holdsRoleWithin,
    /** A condition for users' list queries: holds the role of this name; undefined when no such role exists. */
    async holdsRoleNamed(executor: Executor, name: string) {
      const roleId = await queries.findRoleIdByName(executor, name);
      return roleId ? queries.holdsRole(roleId) : undefined;
    },

    /** A condition for a member list: holds the role of this name within the organization; undefined when no such role exists. */
    async holdsRoleNamedWithin(executor: Executor, organizationId: string, name: string) {
      const roleId = await queries.findRoleIdByName(executor, name);
      return roleId ? queries.holdsRoleWithin(organizationId, roleId) : undefined;
    },

    /** Effective permissions and direct grants; with `explain`, where each permission comes from. */
    async permissionsExplained(executor: Executor, userId: string, explain: boolean, scope: AccessScope) {
      const [profile, direct] = await Promise.all([
        cachedAccessProfile(context, executor, userId, scope),
        queries.directPermissionsOf(executor, userId, scope),
      ]);
      const directView = direct.map((grant) => ({ id: grant.id, name: grant.name, expiresAt: isoOrNull(grant.expiresAt) }));
      if (!explain) return { data: profile.permissions, direct: directView };
      const fromRoles = await queries.rolePermissionsOf(executor, userId, scope);
      const superRoles = [...new Set(fromRoles.filter((row) => row.superAdmin).map((row) => row.role))];
      const sources = (permission: string) => [
        ...superRoles.map((role) => ({ kind: 'role' as const, role })),
        ...fromRoles
          .filter((row) => row.permission === permission && !row.superAdmin)
          .map((row) => ({ kind: 'role' as const, role: row.role })),
        ...directView
          .filter((grant) => grant.name === permission)
          .map((grant) => ({ kind: 'direct' as const, expiresAt: grant.expiresAt })),
      ];
      return {
        data: profile.permissions,
        direct: directView,
        explain: profile.permissions.map((permission) => ({ permission, sources: sources(permission) })),
      };
    },

    /**
     * A new user's roles, in the creating transaction: those named (within what `actor` may grant), or
     * the default role, held within the organization the user joins (platform roles platform-wide).
     * Returns their names.
     */
    async grantInitialRoles(
      tx: Executor,
      userId: string,
      actor: Principal | undefined,
      refs?: string[],
      organizationId: string | null = null,
    ) {
      const roles = refs?.length ? await resolveRoles(tx, refs) : [await queries.findDefaultRole(tx)].filter((role) => role !== undefined);
      if (actor) await assertMayGrant(tx, actor, { roles });
      const scopes = await grantScopes(tx, roles, organizationId);
      for (const role of roles) await queries.grantRole(tx, userId, role.id, actor?.userId, scopes.get(role.id));
      return roles.map((role) => role.name);
    },

    /**
     * A member's roles within an organization become exactly `refs` (platform roles among them platform-wide),
     * in the caller's transaction: nobody grants or takes away there a role carrying more than they hold.
     * Emits what was granted and revoked (the person's cached access then drops on every node).
     */
    async setRolesWithin(
      tx: Executor,
      emit: Emit<DomainEvent>,
      actor: Principal,
      member: { userId: string; organizationId: string },
      refs: string[],
    ) {
      const { userId, organizationId } = member;
      const wanted = refs.length ? await resolveRoles(tx, refs) : [];
      const held = (await queries.scopedRolesOf(tx, userId)).filter((role) => role.organizationId === organizationId);
      const dropped = held.filter((role) => !wanted.some((want) => want.id === role.id));
      const dropRows = dropped.length
        ? await queries.findRolesByNameOrId(
            tx,
            dropped.map((role) => role.id),
          )
        : [];
      await assertMayGrant(tx, actor, { roles: [...wanted, ...dropRows] });
      const scopes = await grantScopes(tx, wanted, organizationId);
      const granted: string[] = [];
      for (const role of wanted)
        if (await queries.grantRole(tx, userId, role.id, actor.userId, scopes.get(role.id))) granted.push(role.name);
      if (granted.length > 0) await emit({ type: 'user.roles_granted', entityId: userId, organizationId, payload: { roles: granted } });
      for (const role of dropRows) {
        if (await queries.revokeRole(tx, userId, role.id, { within: organizationId })) {
          await emit({ type: 'user.role_revoked', entityId: userId, organizationId, payload: { role: role.name } });
        }
      }
      return { before: held.map((role) => role.name).sort(), after: wanted.map((role) => role.name).sort() };
    },

    /** `tessera create-admin` and the bootstrap admin: the super-admin role, which a preset must have made. */
    async grantSuperAdmin(tx: Executor, userId: string) {
      const role = await queries.findSuperAdminRole(tx);
      if (!role) throw errors.NO_SUPER_ADMIN_ROLE();
      await queries.grantRole(tx, userId, role.id);
      return role.name;
    },

    /** What access holds about a user, for their GDPR export. */
    exportParts: {
      roles: async (executor, userId, within) =>
        rowsWithin(
          (await queries.scopedRolesOf(executor, userId)).map((role) => ({ name: role.name, organizationId: role.organizationId })),
          within,
        ),
      directPermissions: async (executor, userId, within) =>
        rowsWithin(
          (await queries.directPermissionsOf(executor, userId, EVERYWHERE)).map((grant) => ({
            name: grant.name,
            expiresAt: grant.expiresAt,
            organizationId: grant.organizationId,
          })),
          within,
        ),
    } satisfies Record<string, ExportPart>,
  };
}
