import type { Db } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import type { AccessService } from '../access/service.js';
import { visibleUser } from './records.js';

/**
 * The roles and permissions of a user: the access module grants, users first checks that the
 * target is the caller's to see (the tenancy rule: another organization's user is a missing one).
 */
export function createUserGrants(db: Db, access: AccessService) {
  const target = async (caller: SignedInCaller, id: string) => (await visibleUser(db, caller.principal, id)).id;
  return {
    roles: async (caller: SignedInCaller, id: string) => access.rolesOf(db, await target(caller, id)),

    async grantRoles(caller: SignedInCaller, id: string, roles: string[]) {
      const userId = await target(caller, id);
      await access.grants.grantRoles(caller, userId, roles);
      return access.rolesOf(db, userId);
    },

    revokeRole: async (caller: SignedInCaller, id: string, roleId: string) =>
      access.grants.revokeRole(caller, await target(caller, id), roleId),

    permissions: async (caller: SignedInCaller, id: string, explain: boolean) =>
      access.permissionsExplained(db, await target(caller, id), explain),

    grantPermissions: async (caller: SignedInCaller, id: string, permissions: string[], expiresAt: Date | null) =>
      access.grants.grantPermissions(caller, await target(caller, id), permissions, expiresAt),

    revokePermission: async (caller: SignedInCaller, id: string, permissionId: string) =>
      access.grants.revokePermission(caller, await target(caller, id), permissionId),
  };
}
