import { and, asc, count, desc, eq, gte, inArray, lte } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.js';
import type { Executor } from '../../db/client.js';
import { userGoals } from '../../db/schema/index.js';
import type { GoalFilter } from './schemas.js';

export type GoalRow = typeof userGoals.$inferSelect;
type NewGoal = typeof userGoals.$inferInsert;

const ofUser = (userId: string, goalId: string) => and(eq(userGoals.userId, userId), eq(userGoals.id, goalId));
const sortColumns = { targetDate: userGoals.targetDate, priority: userGoals.priority, createdAt: userGoals.createdAt };

export async function listGoals(db: Executor, userId: string, filter: GoalFilter, page: { limit: number; offset: number }) {
  const where = and(
    eq(userGoals.userId, userId),
    filter.status ? eq(userGoals.status, filter.status) : undefined,
    filter.type ? eq(userGoals.goalType, filter.type) : undefined,
    filter.priority ? eq(userGoals.priority, filter.priority) : undefined,
    filter.dueBefore ? lte(userGoals.targetDate, filter.dueBefore) : undefined,
    filter.dueAfter ? gte(userGoals.targetDate, filter.dueAfter) : undefined,
  );
  // Priorities sort in their enum's order, LOW … URGENT; the id keeps equal keys in a stable order.
  const direction = filter.order === 'desc' ? desc : asc;
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(userGoals)
      .where(where)
      .orderBy(direction(sortColumns[filter.sort ?? 'targetDate']), direction(userGoals.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(userGoals).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function findGoal(db: Executor, userId: string, goalId: string) {
  const [row] = await db.select().from(userGoals).where(ofUser(userId, goalId));
  return row;
}

export async function insertGoal(db: Executor, values: NewGoal) {
  const [row] = await db.insert(userGoals).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateGoal(db: Executor, userId: string, goalId: string, values: Partial<NewGoal>) {
  const [row] = await db.update(userGoals).set(values).where(ofUser(userId, goalId)).returning();
  return row;
}

export async function deleteGoal(db: Executor, userId: string, goalId: string) {
  const [row] = await db.delete(userGoals).where(ofUser(userId, goalId)).returning();
  return row;
}

export const goalsOf = (db: Executor, userId: string) => db.select().from(userGoals).where(eq(userGoals.userId, userId));

/** An import's goals, one statement. */
export const insertGoalsInBulk = (db: Executor, rows: NewGoal[]) => insertMany(db, userGoals, rows);

/** The titles of the goals these users have: an import's update adds only goals not there yet. */
export function goalTitles(db: Executor, userIds: string[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.select({ userId: userGoals.userId, title: userGoals.title }).from(userGoals).where(inArray(userGoals.userId, userIds));
}
