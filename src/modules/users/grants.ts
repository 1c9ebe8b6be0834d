import type { Db } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { type AccessService, tenantOf } from '../access/service.js';
import { visibleUser } from './records.js';

/**
 * The roles and permissions of a user: the access module grants, users first checks that the
 * target is the caller's to see (the tenancy rule: another organization's user is a missing one).
 */
export function createUserGrants(db: Db, access: AccessService) {
  /**
   * The target and the organization its grants are read and made in: the caller's own organization when
   * confined to one, else the target's default organization (a cross-tenant administrator's view).
   */
  const target = async (caller: SignedInCaller, id: string) => {
    const user = await visibleUser(db, caller.principal, id);
    return { userId: user.id, scope: tenantOf(caller.principal) ?? user.organizationId };
  };
  return {
    roles: async (caller: SignedInCaller, id: string) => {
      const { userId, scope } = await target(caller, id);
      return access.rolesOf(db, userId, scope);
    },

    async grantRoles(caller: SignedInCaller, id: string, roles: string[]) {
      const { userId, scope } = await target(caller, id);
      await access.grants.grantRoles(caller, userId, roles, scope);
      return access.rolesOf(db, userId, scope);
    },

    async revokeRole(caller: SignedInCaller, id: string, roleId: string) {
      const { userId, scope } = await target(caller, id);
      await access.grants.revokeRole(caller, userId, roleId, scope);
    },

    async permissions(caller: SignedInCaller, id: string, explain: boolean) {
      const { userId, scope } = await target(caller, id);
      return access.permissionsExplained(db, userId, explain, scope);
    },

    async grantPermissions(caller: SignedInCaller, id: string, permissions: string[], expiresAt: Date | null) {
      const { userId, scope } = await target(caller, id);
      await access.grants.grantPermissions(caller, userId, permissions, expiresAt, scope);
    },

    async revokePermission(caller: SignedInCaller, id: string, permissionId: string) {
      const { userId, scope } = await target(caller, id);
      await access.grants.revokePermission(caller, userId, permissionId, scope);
    },
  };
}
