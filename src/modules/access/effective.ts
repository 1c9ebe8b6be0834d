import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { type Executor, queryRows } from '../../db/client.js';
import { permissions, rolePermissions, roles, userPermissions, userRoles } from '../../db/schema/index.js';
import type { AccessProfile, ScopedGrants, UserGrants } from '../../platform/access-cache.js';
import { allPermissions } from '../../platform/permissions.js';

/**
 * Where a profile counts grants: an organization's id (platform-wide grants and that organization's), null
 * (platform-wide grants only: no organization, or a membership not in force), or EVERYWHERE (every grant the
 * person holds anywhere: what a target of a cross-tenant actor is measured by).
 */
export type AccessScope = string | null;
export const EVERYWHERE = '*';

const GLOBAL = '';

/** One row per role held, permission held through a role, and unexpired direct grant, with the scope it counts in. */
interface GrantRow {
  kind: 'role' | 'permission';
  name: string;
  isSuperAdmin: boolean;
  scope: string | null;
  /** A direct grant's expiry (epoch ms), else null. */
  expiresMs: number | null;
}

/** Every grant of a user in one statement: a sign-in of someone not in the cache waits for one round trip, not three. */
const grantRows = (db: Executor, userId: string) =>
  queryRows<GrantRow>(
    db,
    sql`SELECT 'role' AS kind, ${roles.name} AS name, ${roles.isSuperAdmin} AS "isSuperAdmin", ${userRoles.organizationId} AS scope,
        NULL::float8 AS "expiresMs"
      FROM ${userRoles} JOIN ${roles} ON ${roles.id} = ${userRoles.roleId} WHERE ${userRoles.userId} = ${userId}
    UNION ALL
    SELECT 'permission', ${permissions.name}, false, ${userRoles.organizationId}, NULL
      FROM ${userRoles} JOIN ${rolePermissions} ON ${rolePermissions.roleId} = ${userRoles.roleId}
      JOIN ${permissions} ON ${permissions.id} = ${rolePermissions.permissionId} WHERE ${userRoles.userId} = ${userId}
    UNION ALL
    SELECT 'permission', ${permissions.name}, false, ${userPermissions.organizationId}, (extract(epoch FROM ${userPermissions.expiresAt}) * 1000)::float8
      FROM ${userPermissions} JOIN ${permissions} ON ${permissions.id} = ${userPermissions.permissionId}
      WHERE ${userPermissions.userId} = ${userId}
        AND (${userPermissions.expiresAt} IS NULL OR ${userPermissions.expiresAt} > ${new Date().toISOString()}::timestamptz)`,
  );

/** Role permissions ∪ unexpired direct grants, per scope (the global one and each organization's). */
export async function loadUserGrants(db: Executor, userId: string): Promise<UserGrants> {
  const rows = await grantRows(db, userId);
  const scopes = new Map<string, { roles: Set<string>; permissions: Set<string>; isSuperAdmin: boolean }>();
  const scopeOf = (organizationId: string | null) => {
    const key = organizationId ?? GLOBAL;
    let scope = scopes.get(key);
    if (!scope) {
      scope = { roles: new Set(), permissions: new Set(), isSuperAdmin: false };
      scopes.set(key, scope);
    }
    return scope;
  };
  scopeOf(null);
  for (const row of rows) {
    const scope = scopeOf(row.scope);
    if (row.kind === 'permission') scope.permissions.add(row.name);
    else {
      scope.roles.add(row.name);
      scope.isSuperAdmin ||= row.isSuperAdmin;
    }
  }
  const finished = (scope: { roles: Set<string>; permissions: Set<string>; isSuperAdmin: boolean }): ScopedGrants => ({
    roles: [...scope.roles].sort(),
    permissions: [...scope.permissions].sort(),
    isSuperAdmin: scope.isSuperAdmin,
  });
  const byOrganization: Record<string, ScopedGrants> = {};
  for (const [key, scope] of scopes) if (key !== GLOBAL) byOrganization[key] = finished(scope);
  return {
    global: finished(scopeOf(null)),
    byOrganization,
    validUntil: rows.reduce((first, row) => Math.min(first, row.expiresMs ?? Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY),
  };
}

// Profiles worked out of cached grants, kept with them: a request costs a map lookup, not a merge.
const profiles = new WeakMap<UserGrants, Map<string, AccessProfile>>();

/** The profile in a scope: the global grants joined with the scope's; a super-admin role means the whole catalog. */
export function profileIn(grants: UserGrants, scope: AccessScope): AccessProfile {
  const key = scope ?? GLOBAL;
  let memo = profiles.get(grants);
  const known = memo?.get(key);
  if (known) return known;
  const parts =
    scope === EVERYWHERE
      ? [grants.global, ...Object.values(grants.byOrganization)]
      : [grants.global, ...(scope && grants.byOrganization[scope] ? [grants.byOrganization[scope]] : [])];
  const isSuperAdmin = parts.some((part) => part.isSuperAdmin);
  // A super-admin holds every built-in permission; a custom one, like anybody, when a role or a grant gives it.
  const held = parts.flatMap((part) => part.permissions);
  const granted = [...new Set(isSuperAdmin ? [...allPermissions, ...held] : held)].sort();
  const profile: AccessProfile = {
    roles: [...new Set(parts.flatMap((part) => part.roles))].sort(),
    permissions: granted,
    isSuperAdmin,
    crossTenant: isSuperAdmin || granted.includes('tenants:all'),
  };
  if (!memo) {
    memo = new Map();
    profiles.set(grants, memo);
  }
  memo.set(key, profile);
  return profile;
}

/** A user's profile in a scope, from grants loaded now (inside a use case: what it has just changed counts). */
export const loadAccessProfile = async (db: Executor, userId: string, scope: AccessScope) =>
  profileIn(await loadUserGrants(db, userId), scope);

/** A user's grants through the cross-node cache of the context, loaded on a miss. */
export const cachedUserGrants = (context: AppContext, db: Executor, userId: string) =>
  context.access.get(userId, () => loadUserGrants(db, userId));

/** A user's profile in a scope through the cross-node cache. */
export const cachedAccessProfile = async (context: AppContext, db: Executor, userId: string, scope: AccessScope) =>
  profileIn(await cachedUserGrants(context, db, userId), scope);
