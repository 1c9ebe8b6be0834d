import { notFound } from '../../http/errors.js';
import type { Principal } from '../../http/route-policy.js';

/**
 * DESIGN's tenancy rule, in one place: an actor in an organization without `tenants:all` sees and
 * manages only that organization's users. Returns the organization to confine to, if any.
 */
export function tenantOf(principal: Principal): string | undefined {
  return principal.crossTenant ? undefined : (principal.organizationId ?? undefined);
}

/** A user outside the actor's tenancy is answered exactly as a missing one: 404, same body. */
export function assertInTenancy(principal: Principal, user: { organizationId: string | null } | undefined, entity = 'User'): asserts user {
  const tenant = tenantOf(principal);
  if (!user || (tenant !== undefined && user.organizationId !== tenant)) throw notFound(entity);
}

/** `me` in a path means the caller. */
export const resolveUserId = (principal: Principal, id: string) => (id === 'me' ? principal.userId : id);
