import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { Principal } from '../../platform/caller.js';
import { cachedAccessProfile } from './effective.js';
import { accessErrors as errors } from './errors.js';
import { assertMayGrant, resolveRoles } from './grants.js';
import * as queries from './queries.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** What other modules ask of access about one user, on the executor of their own transaction. */
export function createUserAccess(context: AppContext) {
  return {
    rolesOf: (executor: Executor, userId: string) => queries.rolesOf(executor, userId),
    /** Effective permissions, from the cross-node cached profile. */
    permissionsOf: async (executor: Executor, userId: string) => (await cachedAccessProfile(context, executor, userId)).permissions,
    /** A condition for users' list queries: holds the role of this name; undefined when no such role exists. */
    async holdsRoleNamed(executor: Executor, name: string) {
      const roleId = await queries.findRoleIdByName(executor, name);
      return roleId ? queries.holdsRole(roleId) : undefined;
    },

    /** Effective permissions and direct grants; with `explain`, where each permission comes from. */
    async permissionsExplained(executor: Executor, userId: string, explain: boolean) {
      const [profile, direct] = await Promise.all([
        cachedAccessProfile(context, executor, userId),
        queries.directPermissionsOf(executor, userId),
      ]);
      const directView = direct.map((grant) => ({ id: grant.id, name: grant.name, expiresAt: iso(grant.expiresAt) }));
      if (!explain) return { data: profile.permissions, direct: directView };
      const fromRoles = await queries.rolePermissionsOf(executor, userId);
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
     * the default role. Returns their names.
     */
    async grantInitialRoles(tx: Executor, userId: string, actor: Principal | undefined, refs?: string[]) {
      const roles = refs?.length ? await resolveRoles(tx, refs) : [await queries.findDefaultRole(tx)].filter((role) => role !== undefined);
      if (actor) await assertMayGrant(tx, actor, { roles });
      for (const role of roles) await queries.grantRole(tx, userId, role.id, actor?.userId);
      return roles.map((role) => role.name);
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
      roles: async (executor: Executor, userId: string) => (await queries.rolesOf(executor, userId)).map((role) => role.name),
      directPermissions: async (executor: Executor, userId: string) =>
        (await queries.directPermissionsOf(executor, userId)).map((grant) => ({ name: grant.name, expiresAt: grant.expiresAt })),
    },
  };
}
