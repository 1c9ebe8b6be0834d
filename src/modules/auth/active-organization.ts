import type { AccessScope } from '../access/service.js';

/** A membership as the per-node user view keeps it. */
export interface HeldMembership {
  id: string;
  name: string;
  slug: string;
  status: 'ACTIVE' | 'SUSPENDED';
}

/** The organization a request acts in, and whether the person's roles there count now. */
export interface ActiveOrganization {
  id: string | null;
  /** The scope the access profile is read in: the organization when its membership is in force, else platform-wide grants only. */
  scope: AccessScope;
}

/**
 * Where a token (or a session being refreshed) acts, decided from the memberships as they are now, never
 * from the token's copy: the organization asked for while its membership is active; otherwise the person's
 * default organization (a removed membership falls back to it). A default organization with no membership
 * row is one placed by a path that predates memberships, and counts as one. When neither holds, the request
 * stays confined to the organization it asked for, with platform-wide grants only.
 */
export function activeOrganization(
  requested: string | null,
  current: { defaultOrganizationId: string | null; memberships: readonly HeldMembership[] },
): ActiveOrganization {
  const membership = (id: string) => current.memberships.find((held) => held.id === id);
  if (requested && membership(requested)?.status === 'ACTIVE') return { id: requested, scope: requested };
  const fallback = current.defaultOrganizationId;
  if (fallback) {
    const held = membership(fallback);
    return { id: fallback, scope: !held || held.status === 'ACTIVE' ? fallback : null };
  }
  return { id: requested, scope: null };
}
