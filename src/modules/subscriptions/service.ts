import type { AppContext } from '../../context.js';
import { badRequest, notFound } from '../../http/errors.js';
import type { Principal } from '../../http/route-policy.js';
import { type AuditActor, recordAudit } from '../audit/service.js';
import type { UsersService } from '../users/service.js';
import * as queries from './queries.js';

const view = (row: queries.SubscriptionRow) => ({
  id: row.id,
  type: row.type,
  status: row.status,
  startDate: row.startDate.toISOString(),
  endDate: row.endDate?.toISOString() ?? null,
  features: row.features,
  cancelledAt: row.cancelledAt?.toISOString() ?? null,
});

/** Seed 004's subscriptions: one per user, its plan in /auth/me and in the access token's `plan` claim. */
export function createSubscriptionsService(context: AppContext, users: UsersService) {
  const db = context.database.primary;

  return {
    async get(principal: Principal, id: string) {
      const user = await users.visibleUser(db, principal, id);
      const row = await queries.findSubscription(db, user.id);
      if (!row) throw notFound('Subscription');
      return view(row);
    },

    async put(
      principal: Principal,
      id: string,
      body: { type: string; startDate?: string; endDate?: string | null; features?: string[] },
      actor: AuditActor,
    ) {
      const start = body.startDate ? new Date(body.startDate) : new Date();
      const end = body.endDate ? new Date(body.endDate) : null;
      if (end && end <= start) throw badRequest('INVALID_PERIOD', 'endDate must be after startDate.');
      const row = await db.transaction(async (tx) => {
        const user = await users.visibleUser(tx, principal, id);
        const plan = await queries.findPlan(tx, body.type);
        const before = await queries.findSubscription(tx, user.id);
        const saved = await queries.upsertSubscription(tx, {
          userId: user.id,
          type: body.type,
          startDate: start,
          endDate: end,
          status: end && end <= new Date() ? 'EXPIRED' : 'ACTIVE',
          // A known plan brings its features unless the caller names them.
          features: body.features ?? plan?.features ?? [],
          cancelledAt: null,
        });
        await recordAudit(tx, actor, {
          action: 'subscription.set',
          entity: 'subscription',
          entityId: saved.id,
          organizationId: user.organizationId,
          payload: {
            userId: user.id,
            before: before ? { type: before.type, status: before.status } : null,
            after: { type: saved.type, status: saved.status },
          },
        });
        return saved;
      });
      await context.access.invalidate(row.userId);
      return view(row);
    },

    async cancel(principal: Principal, id: string, actor: AuditActor) {
      const row = await db.transaction(async (tx) => {
        const user = await users.visibleUser(tx, principal, id);
        const cancelled = await queries.cancelSubscription(tx, user.id);
        if (!cancelled) throw notFound('Active subscription');
        await recordAudit(tx, actor, {
          action: 'subscription.cancelled',
          entity: 'subscription',
          entityId: cancelled.id,
          organizationId: user.organizationId,
          payload: { userId: user.id },
        });
        return cancelled;
      });
      return view(row);
    },

    /** The scheduled sweep: marks subscriptions past their end date EXPIRED, with an audit row each. */
    async expireDue() {
      return db.transaction(async (tx) => {
        const expired = await queries.expireDueSubscriptions(tx);
        for (const row of expired) {
          await recordAudit(
            tx,
            { userAgent: 'tessera-jobs' },
            { action: 'subscription.expired', entity: 'subscription', entityId: row.id, payload: { userId: row.userId } },
          );
        }
        return expired.length;
      });
    },
  };
}

export type SubscriptionsService = ReturnType<typeof createSubscriptionsService>;
