import type { Principal } from '../../platform/caller.js';

/**
 * DESIGN's tenancy rule, in one place: an actor in an organization without `tenants:all` sees and
 * manages only that organization's users. Returns the organization to confine to, if any.
 */
export function tenantOf(principal: Principal): string | undefined {
  return principal.crossTenant ? undefined : (principal.organizationId ?? undefined);
}

/** May this actor see a record of this organization? Outside it, a record is answered exactly as a missing one. */
export function inTenancy(principal: Principal, organizationId: string | null): boolean {
  const tenant = tenantOf(principal);
  return tenant === undefined || organizationId === tenant;
}

/**
 * Where a new record of an organization belongs: an actor confined to an organization places it there (naming
 * another, or none, would reach past their tenancy: `refuse` says so in the caller's own words); a cross-tenant
 * actor names any organization, or none for the platform's.
 */
export function placementFor(principal: Principal, requested: string | null | undefined, refuse: () => Error): string | null {
  const tenant = tenantOf(principal);
  if (tenant === undefined) return requested ?? null;
  if (requested !== undefined && requested !== tenant) throw refuse();
  return tenant;
}

/** `me` in a path means the caller. */
export const resolveUserId = (principal: Principal, id: string) => (id === 'me' ? principal.userId : id);
