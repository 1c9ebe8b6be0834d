import { and, eq, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
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

export async function upsertSubscription(db: Executor, values: typeof subscriptions.$inferInsert) {
  const { userId: _userId, ...changes } = values;
  const [row] = await db
    .insert(subscriptions)
    .values(values)
    .onConflictDoUpdate({ target: subscriptions.userId, set: { ...changes, updatedAt: new Date() } })
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
export async function expireDueSubscriptions(db: Executor) {
  return db
    .update(subscriptions)
    .set({ status: 'EXPIRED', updatedAt: sql`now()` })
    .where(and(eq(subscriptions.status, 'ACTIVE'), lte(subscriptions.endDate, sql`now()`)))
    .returning({ id: subscriptions.id, userId: subscriptions.userId });
}

/** The plan a user is on now: the ACTIVE subscription's type. */
export async function activePlan(db: Executor, userId: string): Promise<string | null> {
  const [row] = await db
    .select({ type: subscriptions.type })
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), eq(subscriptions.status, 'ACTIVE')))
    .limit(1);
  return row?.type ?? null;
}
