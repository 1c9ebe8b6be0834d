import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { permissions, rolePermissions, roles, userPermissions, userRoles } from '../../db/schema/index.js';
import type { AccessProfile } from '../../platform/access-cache.js';
import { allPermissions, isPermission } from '../../platform/permissions.js';

/** Role permissions ∪ unexpired direct grants; a super-admin role means the whole catalog. */
export async function loadAccessProfile(db: Executor, userId: string): Promise<AccessProfile> {
  const held = await db
    .select({ name: roles.name, isSuperAdmin: roles.isSuperAdmin })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId));
  const isSuperAdmin = held.some((role) => role.isSuperAdmin);
  let names: string[];
  let validUntil = Number.POSITIVE_INFINITY;
  if (isSuperAdmin) {
    names = allPermissions;
  } else {
    const fromRoles = db
      .select({ name: permissions.name })
      .from(userRoles)
      .innerJoin(rolePermissions, eq(rolePermissions.roleId, userRoles.roleId))
      .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
      .where(eq(userRoles.userId, userId));
    const direct = db
      .select({ name: permissions.name, expiresAt: userPermissions.expiresAt })
      .from(userPermissions)
      .innerJoin(permissions, eq(permissions.id, userPermissions.permissionId))
      .where(and(eq(userPermissions.userId, userId), or(isNull(userPermissions.expiresAt), gt(userPermissions.expiresAt, new Date()))));
    const [roleRows, directRows] = await Promise.all([fromRoles, direct]);
    names = [...roleRows, ...directRows].map((row) => row.name);
    validUntil = Math.min(Number.POSITIVE_INFINITY, ...directRows.map((row) => row.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY));
  }
  const granted = [...new Set(names)].filter(isPermission).sort();
  return {
    roles: held.map((role) => role.name).sort(),
    permissions: granted,
    isSuperAdmin,
    crossTenant: isSuperAdmin || granted.includes('tenants:all'),
    validUntil,
  };
}

/** A user's access profile through the cross-node cache of the context, loaded on a miss. */
export const cachedAccessProfile = (context: AppContext, db: Executor, userId: string) =>
  context.access.get(userId, () => loadAccessProfile(db, userId));
