import type { Executor } from '../../db/client.js';
import type { UserGrants } from '../../platform/access-cache.js';
import type { Principal } from '../../platform/caller.js';
import { type AccessScope, EVERYWHERE, loadAccessProfile, loadUserGrants, profileIn } from './effective.js';
import { accessErrors as errors } from './errors.js';

export interface HeldAccess {
  permissions: ReadonlySet<string>;
  /** A super-admin acting with all of it (not through a key narrowed to some permissions). */
  isSuperAdmin: boolean;
}

/**
 * What the actor holds for this request: the owner's current permissions, narrowed to what the
 * principal carries. For an API key that is the intersection of its scopes and its owner's permissions,
 * so a key never grants or acts beyond its scopes, whatever its owner holds.
 */
export async function heldAccess(db: Executor, principal: Principal): Promise<HeldAccess> {
  // Within the organization the principal acts in: nobody grants there beyond what they hold there.
  const profile = await loadAccessProfile(db, principal.userId, principal.organizationId);
  const permissions = profile.permissions.filter((permission) => principal.permissions.has(permission));
  return { permissions: new Set(permissions), isSuperAdmin: profile.isSuperAdmin && permissions.length === profile.permissions.length };
}

/**
 * How far an action on another person reaches: their part of one organization (its roles, their membership
 * there), or the whole account (its password, email, status, sessions, factors, identities, an impersonation),
 * which is the same account in every organization it belongs to.
 */
export type Reach = 'organization' | 'account';

/** Access the person holds in an organization other than the actor's: power the actor, confined to theirs, has not. */
const holdsAccessOutside = (grants: UserGrants, organizationId: string | null) =>
  Object.entries(grants.byOrganization).some(
    ([organization, held]) => organization !== organizationId && (held.isSuperAdmin || held.permissions.length > 0),
  );

/**
 * Power over another account is for those who hold at least what it holds: otherwise an organization's admin
 * would set a super-admin's password and become them. Within an organization that is what the person holds
 * there (and platform-wide); over the whole account, an actor confined to one organization also meets what the
 * person holds in any other, which they hold nothing of: an admin of one organization must not reset the
 * password of another's admin who is also their member, sign in as them and act there. A 403, not a 404: the
 * account is one the actor may see (the tenancy check comes first and answers 404 outside it), so hiding it
 * would tell nothing and explain less.
 */
export async function assertMayActOn(db: Executor, principal: Principal, targetUserId: string, reach: Reach) {
  if (targetUserId === principal.userId) return;
  const [actor, grants] = await Promise.all([heldAccess(db, principal), loadUserGrants(db, targetUserId)]);
  if (actor.isSuperAdmin) return;
  const target = profileIn(grants, targetScope(principal));
  const beyondActor = target.isSuperAdmin || target.permissions.some((permission) => !actor.permissions.has(permission));
  const elsewhere = reach === 'account' && !principal.crossTenant && holdsAccessOutside(grants, principal.organizationId);
  if (beyondActor || elsewhere) throw errors.ACCOUNT_HOLDS_MORE_ACCESS();
}

/**
 * What a target holds that matters to this actor: within the actor's organization (plus platform-wide
 * grants); everything the target holds anywhere when the actor acts across organizations.
 */
export const targetScope = (principal: Principal): AccessScope => (principal.crossTenant ? EVERYWHERE : principal.organizationId);

/** Credentials (email, password, factors, linked identities, API keys, sessions) change only in a signed-in session: a leaked key must not take the account. */
export function assertNotApiKey(principal: Principal) {
  if (principal.apiKeyId) throw errors.API_KEY_NOT_ALLOWED();
  assertNotImpersonating(principal);
}

/**
 * Support acting as the person changes nothing they sign in or recover with (their credentials, linked
 * identities, username, phone) and does nothing they cannot undo (leave an organization, delete the account): support would keep
 * the account after the impersonation ends, or take from the person what only they may give up.
 */
export function assertNotImpersonating(principal: Principal) {
  if (principal.actor) throw errors.IMPERSONATION_NOT_ALLOWED();
}

/** Every role is shared by all organizations (none owns one yet): only those who act across them change roles. */
export function assertMayChangeSharedRoles(principal: Principal) {
  if (!principal.crossTenant) throw errors.SHARED_ROLE();
}

/**
 * The permission catalogue, the user types and the subscription plans are shared the same way: a custom permission
 * deleted, a user type renamed or a plan's features changed by one organization's administrator would take it from, or
 * change it for, every other organization's people.
 */
export function assertMayChangeSharedCatalog(principal: Principal) {
  if (!principal.crossTenant) throw errors.SHARED_CATALOG();
}
