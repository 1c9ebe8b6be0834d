import { createInvalidatedCache } from './invalidated-cache.js';
import type { SharedState } from './shared-state.js';

/** What a user may do, as the access module works it out from their roles and grants. */
export interface AccessProfile {
  roles: string[];
  /** The built-in permissions held and the deployment's own (custom) ones: other services check those. */
  permissions: string[];
  /** Super-admins and holders of tenants:all act across every organization. */
  crossTenant: boolean;
  isSuperAdmin: boolean;
}

/** What a user holds in one scope: platform-wide (global) or within one organization. */
export interface ScopedGrants {
  roles: string[];
  permissions: string[];
  isSuperAdmin: boolean;
}

/**
 * Everything a user holds, per scope: the profile in an organization is the global grants joined with that
 * organization's (computed per request from this, so a person in fifty organizations costs one load).
 */
export interface UserGrants {
  global: ScopedGrants;
  byOrganization: Record<string, ScopedGrants>;
  /** When the first temporary grant lapses (epoch ms): the cached grants must not outlive it. */
  validUntil: number;
}

/**
 * Per-user grants cached in this process, dropped on every node by the invalidations each grant
 * and catalog edit publishes once committed; trusted only while those can arrive (see the cache). The
 * access module loads a profile on a miss (its `cachedAccessProfile`): the core keeps them, knowing no SQL.
 */
export function createAccessCache(state: SharedState) {
  const cache = createInvalidatedCache<UserGrants>(state, {
    channel: 'access-invalidate',
    ttlMs: 60_000,
    maxEntries: 50_000,
    validUntil: (grants) => grants.validUntil,
  });
  return {
    ready: cache.ready,
    get: (userId: string, load: () => Promise<UserGrants>) => cache.get(userId, load),
    /** Call after the change has committed; omit userId when a role edit may touch many users. Never throws. */
    invalidate: (userId?: string) => cache.invalidate(userId),
  };
}

export type AccessCache = ReturnType<typeof createAccessCache>;
