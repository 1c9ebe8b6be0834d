import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { permissions, rolePermissions, roles, userPermissions, userRoles } from '../../db/schema/index.js';
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

const INVALIDATE_CHANNEL = 'access-invalidate';
const ALL_USERS = '*';
const LOCAL_TTL_MS = 60_000;

/**
 * Per-user access profiles cached in this process (a map read costs microseconds), dropped on every
 * node when a change publishes an invalidation through the shared state (Redis pub/sub when present).
 * The TTL only bounds memory and a lost message; correctness comes from the invalidations, so the
 * cache is trusted only while they can arrive: with the bus down every request reads the database,
 * and when it is back everything cached is dropped (the invalidations published meanwhile were lost).
 */
export function createAccessCache(state: SharedState) {
  const entries = new Map<string, { profile: AccessProfile; expiresAt: number }>();
  // Bumped by every invalidation: a profile read before one may predate the change, so it is not kept.
  let generation = 0;
  const clear = () => {
    generation++;
    entries.clear();
  };
  state.onMessagesLost(clear);
  const ready = state.subscribe(INVALIDATE_CHANNEL, (message) => {
    generation++;
    if (message === ALL_USERS) entries.clear();
    else entries.delete(message);
  });
  return {
    ready,
    async get(db: Executor, userId: string): Promise<AccessProfile> {
      const cached = state.isConnected() ? entries.get(userId) : undefined;
      if (cached && cached.expiresAt > Date.now()) return cached.profile;
      const readAt = generation;
      const profile = await loadAccessProfile(db, userId);
      if (generation === readAt && state.isConnected()) {
        entries.set(userId, { profile, expiresAt: Math.min(Date.now() + LOCAL_TTL_MS, profile.validUntil) });
      }
      return profile;
    },
    /** Call after the change has committed; omit userId when a role edit may touch many users. Never throws. */
    async invalidate(userId?: string) {
      generation++;
      if (userId) entries.delete(userId);
      else entries.clear();
      await state.publish(INVALIDATE_CHANNEL, userId ?? ALL_USERS);
    },
  };
}

export type AccessCache = ReturnType<typeof createAccessCache>;
