import type { Static } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { createInvalidatedCache } from '../../platform/invalidated-cache.js';
import type { SharedState } from '../../platform/shared-state.js';
import type { DomainEvent, DomainUseCases } from '../events.js';
import { memberships } from '../organizations/service.js';
import type { SubscriptionsService } from '../subscriptions/service.js';
import type { UsersService } from '../users/service.js';
import type { HeldMembership } from './active-organization.js';
import { PublicUser } from './schemas.js';

const publicFields = Object.keys(PublicUser.properties) as (keyof Static<typeof PublicUser>)[];

/** A signed-in user as /auth/me and a refresh answer them: the public view, the plan and their memberships. */
export interface CachedUser {
  user: Static<typeof PublicUser>;
  plan: string | null;
  /** When the plan changes by time alone (its subscription's period starts or ends): the entry is kept until then. */
  planChangesAt?: number;
  memberships: HeldMembership[];
}

export const createUserViewCache = (state: SharedState) =>
  createInvalidatedCache<CachedUser | undefined>(state, {
    channel: 'user-view-invalidate',
    ttlMs: 60_000,
    maxEntries: 50_000,
    validUntil: (cached) => cached?.planChangesAt ?? Number.POSITIVE_INFINITY,
  });

export type UserViewCache = ReturnType<typeof createUserViewCache>;

/**
 * Every event after which what is cached of a user (the fields of PublicUser, the plan) may have changed,
 * and whose it is. Roles and permissions are not here: the access profile has its own invalidations.
 */
const userOf = {
  byEntity: [
    'user.updated',
    'user.self_updated',
    'user.email_changed',
    'user.email_change_requested',
    'user.email_change_cancelled',
    'user.suspended',
    'user.activated',
    'user.deactivated',
    'user.restored',
    'user.erased',
    'auth.email_verified',
    // A reset through the mailed link proves the address too.
    'auth.password_reset',
    // Memberships decide where each request acts: one added, suspended or ended counts at once.
    'membership.added',
    'membership.updated',
    'membership.removed',
  ],
  // A sign-in may end a use case that changed the account (accepting an invitation verifies its address).
  byActor: ['auth.login'],
  byPayload: ['subscription.set', 'subscription.cancelled', 'subscription.expired'],
  // Deleting an organization clears it on all its members at once (ON DELETE SET NULL).
  // A renamed one changes every member's list of memberships.
  everyone: ['organization.deleted', 'organization.updated'],
} as const satisfies Record<string, readonly DomainEvent['type'][]>;

/**
 * The signed-in user's view and plan, from this process's memory in the common case: /auth/me and a
 * refresh read no user row and no plan. Every change above drops the entry on every node once committed
 * (no module calls this by hand); while the bus is down every call reads the database.
 */
export function createUserViews(kit: {
  context: AppContext;
  useCases: DomainUseCases;
  userViews: UserViewCache;
  subscriptions: Pick<SubscriptionsService, 'planInForce'>;
  users: Pick<UsersService, 'findById' | 'view'>;
}) {
  const { useCases, userViews: cache } = kit;
  const db = kit.context.database.primary;
  const drop = (userId: string | null | undefined) => (userId ? cache.invalidate(userId) : undefined);
  useCases.afterCommit(userOf.byEntity, (event) => drop(event.entityId));
  useCases.afterCommit(userOf.byActor, (event) => drop(event.actorId));
  useCases.afterCommit(userOf.byPayload, (event) => drop(event.payload.userId));
  useCases.afterCommit(userOf.everyone, () => cache.invalidate());

  return {
    /** Undefined when the user is gone. */
    get: (userId: string): Promise<CachedUser | undefined> =>
      cache.get(userId, async () => {
        const user = await kit.users.findById(db, userId);
        if (!user) return undefined;
        const [{ plan, changesAt }, held] = await Promise.all([kit.subscriptions.planInForce(db, userId), memberships.of(db, userId)]);
        const view = kit.users.view(user);
        return {
          user: Object.fromEntries(publicFields.map((field) => [field, view[field]])) as CachedUser['user'],
          plan,
          planChangesAt: changesAt?.getTime(),
          memberships: held.map((row) => ({ id: row.organizationId, name: row.name, slug: row.slug, status: row.status })),
        };
      }),
  };
}

export type UserViews = ReturnType<typeof createUserViews>;
