import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { permissions, rolePermissions, roles, userPermissions, userRoles } from '../../db/schema/index.js';
import { createInvalidatedCache } from '../../platform/invalidated-cache.js';
import type { SharedState } from '../../platform/shared-state.js';
import { allPermissions, isPermission, type Permission } from './permissions.js';

export interface AccessProfile {
  roles: string[];
  permissions: Permission[];
  /** Super-admins and holders of tenants:all act across every organization. */
  crossTenant: boolean;
  isSuperAdmin: boolean;
  /** When the first temporary grant lapses (epoch ms): the cached profile must not outlive it. */
  validUntil: number;
}

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

/**
 * Per-user access profiles cached in this process, dropped on every node by the invalidations each grant
 * and catalog edit publishes once committed; trusted only while those can arrive (see the cache).
 */
export function createAccessCache(state: SharedState) {
  const cache = createInvalidatedCache<AccessProfile>(state, {
    channel: 'access-invalidate',
    ttlMs: 60_000,
    maxEntries: 50_000,
    validUntil: (profile) => profile.validUntil,
  });
  return {
    ready: cache.ready,
    get: (db: Executor, userId: string) => cache.get(userId, () => loadAccessProfile(db, userId)),
    /** Call after the change has committed; omit userId when a role edit may touch many users. Never throws. */
    invalidate: (userId?: string) => cache.invalidate(userId),
  };
}

export type AccessCache = ReturnType<typeof createAccessCache>;
