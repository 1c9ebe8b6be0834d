import { type AnyColumn, and, asc, count, eq, lte, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { rowsById } from '../../db/rows.js';
import { subscriptionPlans, subscriptions } from '../../db/schema/index.js';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

export async function findSubscription(db: Executor, userId: string) {
  const [row] = await db.select().from(subscriptions).where(eq(subscriptions.userId, userId));
  return row;
}

/** A preset's plans: made, or their description and features brought up to date. */
export async function upsertPlans(db: Executor, specs: { name: string; description: string; features: string[] }[]) {
  if (specs.length === 0) return;
  await db
    .insert(subscriptionPlans)
    .values(specs)
    .onConflictDoUpdate({
      target: subscriptionPlans.name,
      set: { description: sql`excluded.description`, features: sql`excluded.features` },
    });
}

export async function findPlan(db: Executor, name: string) {
  const [row] = await db.select().from(subscriptionPlans).where(eq(subscriptionPlans.name, name));
  return row;
}

export type PlanRow = typeof subscriptionPlans.$inferSelect;

/** Every plan, with how many active subscriptions it has (of the users `holders` names, when given). */
export async function listPlans(db: Executor, holders?: (userId: AnyColumn) => SQL) {
  return db
    .select({
      id: subscriptionPlans.id,
      name: subscriptionPlans.name,
      description: subscriptionPlans.description,
      features: subscriptionPlans.features,
      createdAt: subscriptionPlans.createdAt,
      subscribers: count(subscriptions.id),
    })
    .from(subscriptionPlans)
    .leftJoin(
      subscriptions,
      and(eq(subscriptions.type, subscriptionPlans.name), eq(subscriptions.status, 'ACTIVE'), holders?.(subscriptions.userId)),
    )
    .groupBy(subscriptionPlans.id)
    .orderBy(asc(subscriptionPlans.name));
}

const planRows = rowsById(subscriptionPlans);
export const findPlanById = planRows.find;
export const insertPlan = planRows.insert;
export const updatePlan = planRows.update;

/** Active subscriptions on a plan. */
export async function countSubscribers(db: Executor, name: string) {
  const [row] = await db
    .select({ n: count() })
    .from(subscriptions)
    .where(and(eq(subscriptions.type, name), eq(subscriptions.status, 'ACTIVE')));
  return row?.n ?? 0;
}

/** A user's subscription, locked for the caller's transaction: a change decided from it waits for one under way. */
export async function lockSubscription(db: Executor, userId: string) {
  const [row] = await db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).for('update');
  return row;
}

/** The user's first subscription, or nothing when they have one (made meanwhile by a change committed first). */
export async function insertSubscription(db: Executor, values: typeof subscriptions.$inferInsert) {
  const [row] = await db.insert(subscriptions).values(values).onConflictDoNothing({ target: subscriptions.userId }).returning();
  return row;
}

export async function updateSubscription(db: Executor, values: typeof subscriptions.$inferInsert) {
  const { userId, ...changes } = values;
  const [row] = await db
    .update(subscriptions)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(subscriptions.userId, userId))
    .returning();
  return row as SubscriptionRow;
}

export async function cancelSubscription(db: Executor, userId: string) {
  const [row] = await db
    .update(subscriptions)
    .set({ status: 'CANCELLED', cancelledAt: new Date() })
    .where(and(eq(subscriptions.userId, userId), eq(subscriptions.status, 'ACTIVE')))
    .returning();
  return row;
}

/** One statement, safe on any number of nodes at once: returns whose subscriptions it expired. */
export async function expireDueSubscriptions(db: Executor, now: Date) {
  return db
    .update(subscriptions)
    .set({ status: 'EXPIRED', updatedAt: now })
    .where(and(eq(subscriptions.status, 'ACTIVE'), lte(subscriptions.endDate, now)))
    .returning({ id: subscriptions.id, userId: subscriptions.userId });
}

/** The ACTIVE subscription's plan and period, whether or not the period holds yet or still. */
export async function activeSubscriptionPlan(db: Executor, userId: string) {
  const [row] = await db
    .select({ type: subscriptions.type, startDate: subscriptions.startDate, endDate: subscriptions.endDate })
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), eq(subscriptions.status, 'ACTIVE')))
    .limit(1);
  return row;
}
