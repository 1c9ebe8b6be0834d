import { type AnyColumn, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { type SignedInCaller, systemCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import { isoOrNull } from '../../platform/dates.js';
import type { Emit } from '../../platform/use-case.js';
import { assertMayChangeSharedCatalog, registerPresetPart, tenantOf } from '../access/service.js';
import type { DomainEvent, DomainUseCases } from '../events.js';
import { memberships } from '../organizations/service.js';
import { type UsersService, userConditions } from '../users/service.js';
import { subscriptionErrors as errors } from './errors.js';
import * as queries from './queries.js';
import type { CreatePlan, PutSubscription, UpdatePlan } from './schemas.js';

// A preset's plans are subscriptions' rows: written here, in the preset's transaction.
registerPresetPart((tx, preset) => queries.upsertPlans(tx, preset.plans ?? []));

const view = (row: queries.SubscriptionRow) => ({
  id: row.id,
  type: row.type,
  status: row.status,
  startDate: row.startDate.toISOString(),
  endDate: isoOrNull(row.endDate),
  features: row.features,
  cancelledAt: isoOrNull(row.cancelledAt),
});

/** The plan in force, and when that answer next changes by time alone (its period starting or ending), if it does. */
export interface PlanInForce {
  plan: string | null;
  changesAt?: Date;
}

/**
 * The plan a user is on at `at`: an ACTIVE subscription's whose period holds. One that starts later is not in force
 * yet; one past its end no longer is, before the expiry sweep marks it EXPIRED.
 */
async function planInForce(executor: Executor, userId: string, at = new Date()): Promise<PlanInForce> {
  const row = await queries.activeSubscriptionPlan(executor, userId);
  if (!row || (row.endDate && row.endDate <= at)) return { plan: null };
  if (row.startDate > at) return { plan: null, changesAt: row.startDate };
  return { plan: row.type, ...(row.endDate ? { changesAt: row.endDate } : {}) };
}

const planView = (row: Omit<queries.PlanRow, 'updatedAt'>, subscribers: number) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  features: row.features,
  subscribers,
  createdAt: row.createdAt.toISOString(),
});

/** Writing the same plan again is no change, and no event. */
const unchanged = (before: queries.SubscriptionRow | undefined, after: queries.SubscriptionRow) =>
  before !== undefined && JSON.stringify(view(before)) === JSON.stringify(view(after));

/** Subscriptions: one per user, its plan in /auth/me and in the access token's `plan` claim. */
export function createSubscriptionsService(context: AppContext, { useCases, users }: { useCases: DomainUseCases; users: UsersService }) {
  const db = context.database.primary;
  useCases.afterCommit(['subscription.set'], (event) => context.access.invalidate(event.payload.userId));

  /** Puts a user on a plan in the caller's transaction; the same plan again is no event. */
  async function save(
    tx: Executor,
    emit: Emit<DomainEvent>,
    user: { id: string; organizationId: string | null },
    body: PutSubscription,
    start: Date,
    end: Date | null,
  ) {
    const plan = await queries.findPlan(tx, body.type);
    const values = {
      userId: user.id,
      type: body.type,
      startDate: start,
      endDate: end,
      status: end && end <= new Date() ? ('EXPIRED' as const) : ('ACTIVE' as const),
      // A known plan brings its features unless the caller names them.
      features: body.features ?? plan?.features ?? [],
      cancelledAt: null,
    };
    // The subscription it changes is read locked, so changes at once go one after the other, each from what the last
    // left (the same plan again is no change and no event); a first one made meanwhile is read once it is committed.
    let before = await queries.lockSubscription(tx, user.id);
    const inserted = before ? undefined : await queries.insertSubscription(tx, values);
    if (!before && !inserted) before = await queries.lockSubscription(tx, user.id);
    const saved = inserted ?? (await queries.updateSubscription(tx, values));
    if (!unchanged(before, saved)) {
      await emit({
        type: 'subscription.set',
        entityId: saved.id,
        organizationId: user.organizationId,
        payload: {
          userId: user.id,
          before: before ? { type: before.type, status: before.status } : null,
          after: { type: saved.type, status: saved.status },
        },
      });
    }
    return saved;
  }

  return {
    /** An accepted invitation's plan, from now on, inside the acceptance's use case. */
    startPlan: (tx: Executor, emit: Emit<DomainEvent>, user: { id: string; organizationId: string | null }, type: string) =>
      save(tx, emit, user, { type }, new Date(), null),

    /** A user's subscription for users' detail view (wired as its subscription lookup). */
    async summaryOf(executor: Executor, userId: string) {
      const row = await queries.findSubscription(executor, userId);
      if (!row) return null;
      const { id: _id, cancelledAt: _cancelledAt, ...summary } = view(row);
      return summary;
    },
    /** What this module holds about a user, for their GDPR export. */
    exportParts: {
      async subscription(executor: Executor, userId: string) {
        const row = await queries.findSubscription(executor, userId);
        if (!row) return null;
        const { userId: _userId, ...rest } = row;
        return rest;
      },
    },

    /** The plan a user is on now (null without an active subscription in its period), read on the caller's executor. */
    activePlan: async (executor: Executor, userId: string) => (await planInForce(executor, userId)).plan,
    planInForce,

    async get(caller: SignedInCaller, id: string) {
      const user = await users.visibleUser(db, caller.principal, id);
      const row = await queries.findSubscription(db, user.id);
      if (!row) throw errors.SUBSCRIPTION_NOT_FOUND();
      return view(row);
    },

    async put(caller: SignedInCaller, id: string, body: PutSubscription) {
      const start = body.startDate ? new Date(body.startDate) : new Date();
      const end = body.endDate ? new Date(body.endDate) : null;
      if (end && end <= start) throw errors.INVALID_PERIOD();
      // A plan is the account's, in every organization: changed only by whom may change the account.
      const row = await useCases.run(caller, async (tx, emit) =>
        save(tx, emit, await users.actionableUser(tx, caller.principal, id), body, start, end),
      );
      return view(row);
    },

    async cancel(caller: SignedInCaller, id: string) {
      const row = await useCases.run(caller, async (tx, emit) => {
        const user = await users.actionableUser(tx, caller.principal, id);
        const cancelled = await queries.cancelSubscription(tx, user.id);
        if (!cancelled) throw errors.ACTIVE_SUBSCRIPTION_NOT_FOUND();
        await emit({
          type: 'subscription.cancelled',
          entityId: cancelled.id,
          organizationId: user.organizationId,
          payload: { userId: user.id },
        });
        return cancelled;
      });
      return view(row);
    },

    /** The plan catalogue, each plan with its number of active subscriptions: in the caller's organization when confined to one. */
    async listPlans(caller: SignedInCaller) {
      const tenant = tenantOf(caller.principal);
      // An organization's users, as its administrator sees them: of it by default, or members of it.
      const holders =
        tenant === undefined
          ? undefined
          : (userId: AnyColumn) => sql`(${userConditions.inOrganization(tenant)(userId)} OR ${memberships.memberOf(tenant)(userId)})`;
      const rows = await queries.listPlans(db, holders);
      return { data: rows.map((row) => planView(row, Number(row.subscribers))) };
    },

    /** A new plan; subscriptions put on it from then on get its features unless they name their own. */
    async createPlan(caller: SignedInCaller, body: CreatePlan) {
      assertMayChangeSharedCatalog(caller.principal);
      const row = await useCases.run(caller, async (tx, emit) => {
        const plan = await queries.insertPlan(tx, {
          name: body.name,
          description: body.description ?? null,
          features: body.features ?? [],
        });
        await emit({ type: 'subscription_plan.created', entityId: plan.id, payload: { name: plan.name, features: plan.features } });
        return plan;
      });
      return planView(row, 0);
    },

    /** Changes a plan's description or features; subscriptions already on it keep the features they were given. */
    async updatePlan(caller: SignedInCaller, id: string, body: UpdatePlan) {
      assertMayChangeSharedCatalog(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const before = await queries.findPlanById(tx, id);
        if (!before) throw errors.PLAN_NOT_FOUND();
        const after = await queries.updatePlan(tx, id, body);
        if (!after) throw errors.PLAN_NOT_FOUND();
        const changed = changedFields(before, after, ['description', 'features']);
        if (changed) await emit({ type: 'subscription_plan.updated', entityId: id, payload: changed });
        return planView(after, await queries.countSubscribers(tx, after.name));
      });
    },

    /**
     * The scheduled sweep: marks subscriptions past their end date EXPIRED, one event each, in the user's organization
     * (as a change or a cancellation is), so its administrators' audit log and webhooks hear of it too.
     */
    async expireDue(now = new Date()) {
      return useCases.run(systemCaller('tessera-jobs'), async (tx, emit) => {
        const expired = await queries.expireDueSubscriptions(tx, now);
        for (const row of expired) {
          const organizationId = (await users.findById(tx, row.userId))?.organizationId ?? null;
          await emit({ type: 'subscription.expired', entityId: row.id, organizationId, payload: { userId: row.userId } });
        }
        return expired.length;
      });
    },
  };
}

export type SubscriptionsService = ReturnType<typeof createSubscriptionsService>;
