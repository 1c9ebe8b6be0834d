import type { Executor } from '../../db/client.js';
import type { Emit } from '../../platform/use-case.js';
import type { AccessService } from '../access/service.js';
import type { DomainEvent, DomainUseCases } from '../events.js';
import { organizationErrors as errors } from './errors.js';
import * as queries from './queries.memberships.js';

/** Who administers an organization: an active member holding there (or platform-wide) users:write. */
const ADMINISTERS = 'users:write';

/** A person's memberships as /auth/me and GET /users/:id/organizations show them. */
export const membershipView = (row: Awaited<ReturnType<typeof queries.membershipsOf>>[number]) => ({
  id: row.organizationId,
  name: row.name,
  slug: row.slug,
  status: row.status,
  joinedAt: row.joinedAt.toISOString(),
});

/** Memberships read on the caller's executor: what other modules ask of them. */
export const memberships = {
  of: queries.membershipsOf,
  find: queries.findMembership,
  in: queries.membershipsIn,
  /** A condition for another module's query of users: a member of the organization. */
  memberOf: queries.memberOf,
  isMember: async (executor: Executor, organizationId: string, userId: string) =>
    (await queries.findMembership(executor, organizationId, userId)) !== undefined,
  /**
   * Where a person's roles are read when they act in their default organization without a session (a sign-in, an
   * API key, an application's token): that organization while the membership is in force (a default without a
   * membership row predates memberships and counts as one), platform-wide grants only while it is suspended.
   */
  defaultScope: async (executor: Executor, user: { id: string; organizationId: string | null }) => {
    if (!user.organizationId) return null;
    const membership = await queries.findMembership(executor, user.organizationId, user.id);
    return membership?.status === 'SUSPENDED' ? null : user.organizationId;
  },
  /** Bulk paths (the import): each (organization, person) becomes a membership unless it is one already. */
  ensure: async (executor: Executor, rows: { organizationId: string; userId: string; invitedBy: string | null }[]) => {
    for (const row of rows) await queries.insertMembership(executor, row);
  },
};

/** The event of a membership that ended, however it ended. */
const removal = (emit: Emit<DomainEvent>, organizationId: string, userId: string) =>
  emit({ type: 'membership.removed', entityId: userId, organizationId, payload: { userId } });

/**
 * Every membership of an organization being deleted ends as a member's removal does, each with its event, before
 * the foreign key's cascade removes the rows unheard. No last-administrator rule: the organization itself goes.
 */
export async function endEveryMembership(tx: Executor, emit: Emit<DomainEvent>, organizationId: string) {
  for (const { userId } of await queries.memberIdsOf(tx, organizationId)) await removal(emit, organizationId, userId);
}

/**
 * Memberships' changes, inside another module's use case (users composes the member endpoints, invitations
 * accepts into an organization): each is audited and drops the person's cached view and access on every node.
 */
export function createMembershipChanges(
  context: { access: { invalidate(userId?: string): Promise<void> } },
  useCases: DomainUseCases,
  access: AccessService,
) {
  const membershipEvents = ['membership.added', 'membership.updated', 'membership.removed'] as const;
  useCases.afterCommit(membershipEvents, (event) => context.access.invalidate(event.entityId ?? undefined));
  // A person placed in an organization (made there, or moved there by an administrator) is a member of it;
  // the user's own event is the audit record of that.
  useCases.react(['user.created'], async (tx, event) => {
    if (event.organizationId && event.entityId) {
      await queries.insertMembership(tx, {
        organizationId: event.organizationId,
        userId: event.entityId,
        invitedBy: event.actorId ?? null,
      });
    }
  });
  useCases.react(['user.updated'], async (tx, event) => {
    const placed = event.payload.changes.organizationId?.after;
    if (typeof placed === 'string' && event.entityId) {
      await queries.insertMembership(tx, { organizationId: placed, userId: event.entityId, invitedBy: event.actorId ?? null });
    }
  });

  const administrators = (tx: Executor, organizationId: string) =>
    queries.countActiveMembers(tx, organizationId, access.holdsPermissionWithin(organizationId, ADMINISTERS));

  /**
   * The last active administrator of an organization stays one: they cannot leave, be suspended or lose the
   * role that makes them one. `change` runs in the transaction; an organization that had an administrator and
   * has none after it is refused (and the whole use case rolled back).
   */
  async function keepingAnAdministrator<T>(tx: Executor, organizationId: string, change: () => Promise<T>): Promise<T> {
    const before = await administrators(tx, organizationId);
    const result = await change();
    if (before > 0 && (await administrators(tx, organizationId)) === 0) throw errors.LAST_ORGANIZATION_ADMIN();
    return result;
  }

  return {
    keepingAnAdministrator,

    /** Adds a membership (ACTIVE) unless there is one; true when it is new. Audited as membership.added. */
    async join(
      tx: Executor,
      emit: Emit<DomainEvent>,
      membership: { organizationId: string; userId: string; invitedBy: string | null; roles: string[]; via: 'invitation' | 'admin' },
    ) {
      const added = await queries.insertMembership(tx, {
        organizationId: membership.organizationId,
        userId: membership.userId,
        invitedBy: membership.invitedBy,
      });
      if (added) {
        await emit({
          type: 'membership.added',
          entityId: membership.userId,
          organizationId: membership.organizationId,
          payload: { userId: membership.userId, roles: membership.roles, via: membership.via },
        });
      }
      return added;
    },

    /** Suspends or reactivates a membership; suspending the last administrator is refused. */
    async setStatus(tx: Executor, emit: Emit<DomainEvent>, organizationId: string, userId: string, status: queries.MembershipStatus) {
      // The status is read locked, after the administrators' rows (the order every change takes them in): of two changes
      // at once the second starts from what the first left, and the same status again is no change and no event.
      const { before, after } = await keepingAnAdministrator(tx, organizationId, async () => {
        const current = await queries.lockMembership(tx, organizationId, userId);
        if (!current) throw errors.MEMBERSHIP_NOT_FOUND();
        if (current.status === status) return { before: current, after: current };
        return { before: current, after: (await queries.setMembershipStatus(tx, organizationId, userId, status)) as queries.MembershipRow };
      });
      if (before.status === status) return before;
      await emit({
        type: 'membership.updated',
        entityId: userId,
        organizationId,
        payload: { userId, before: { status: before.status }, after: { status } },
      });
      return after;
    },

    /** Ends a membership and every grant held within it; the account stays. The last administrator cannot leave. */
    async leave(tx: Executor, emit: Emit<DomainEvent>, organizationId: string, userId: string) {
      await keepingAnAdministrator(tx, organizationId, async () => {
        await access.revokeAllWithin(tx, userId, organizationId);
        if (!(await queries.deleteMembership(tx, organizationId, userId))) throw errors.MEMBERSHIP_NOT_FOUND();
      });
      await removal(emit, organizationId, userId);
    },
  };
}

export type MembershipChanges = ReturnType<typeof createMembershipChanges>;
