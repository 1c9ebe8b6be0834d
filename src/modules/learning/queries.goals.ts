import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.js';
import type { Executor } from '../../db/client.js';
import { eachGivenEquals, inRange } from '../../db/filters.js';
import { rowsOfOwner } from '../../db/rows.js';
import { priority, userGoals } from '../../db/schema/index.js';
import type { GoalFilter } from './schemas.js';

export type GoalRow = typeof userGoals.$inferSelect;
type NewGoal = typeof userGoals.$inferInsert;

const goalRows = rowsOfOwner(userGoals, userGoals.userId);

/** Where a page of goals starts: after this sort value (as the database writes it in text) and id. */
export interface GoalKey {
  value: string;
  id: string;
}

const day = /^\d{4}-\d{2}-\d{2}$/;
const microsecondTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** A calendar date or time the database reads back exactly: no month 13, no 31 April. */
const realDate = (iso: string) => !Number.isNaN(Date.parse(iso)) && new Date(iso).toISOString().startsWith(iso.slice(0, 10));

/**
 * The orders a goal list may take: the column, its value as text for a cursor, and what such a text must be for
 * the database to read it back (a cursor is client input). Times keep their microseconds, so a page ends exactly.
 */
const goalSorts = {
  targetDate: {
    column: userGoals.targetDate,
    text: sql<string>`${userGoals.targetDate}::text`,
    readBack: (value: string) => sql`${value}::date`,
    valid: (value: string) => day.test(value) && realDate(value),
  },
  // Priorities sort in their enum's order, LOW … URGENT.
  priority: {
    column: userGoals.priority,
    text: sql<string>`${userGoals.priority}::text`,
    readBack: (value: string) => sql`${value}::priority`,
    valid: (value: string) => (priority.enumValues as readonly string[]).includes(value),
  },
  createdAt: {
    column: userGoals.createdAt,
    text: sql<string>`to_char(${userGoals.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    readBack: (value: string) => sql`${value}::timestamptz`,
    valid: (value: string) => microsecondTime.test(value) && realDate(value),
  },
};
export type GoalSort = keyof typeof goalSorts;

/** Whether a sort value from a cursor is one the database reads back for this order. */
export const validGoalKey = (sort: GoalSort, value: string) => goalSorts[sort].valid(value);

/** Goals in the order asked for, the id keeping equal keys in a stable order; `take` rows after `after`. */
export function listGoals(db: Executor, userId: string, filter: GoalFilter, take: number, after?: GoalKey) {
  const order = goalSorts[filter.sort ?? 'targetDate'];
  const descending = filter.order === 'desc';
  const direction = descending ? desc : asc;
  const past =
    after && sql`(${order.column}, ${userGoals.id}) ${sql.raw(descending ? '<' : '>')} (${order.readBack(after.value)}, ${after.id}::uuid)`;
  return db
    .select({ goal: userGoals, key: { value: order.text, id: userGoals.id } })
    .from(userGoals)
    .where(
      and(
        eq(userGoals.userId, userId),
        eachGivenEquals(filter, { status: userGoals.status, type: userGoals.goalType, priority: userGoals.priority }),
        inRange(userGoals.targetDate, filter.dueAfter, filter.dueBefore),
        past,
      ),
    )
    .orderBy(direction(order.column), direction(userGoals.id))
    .limit(take);
}

/** A person's goal; another person's id reads as none. */
export const findGoal = goalRows.find;
export const insertGoal = goalRows.insert;
export const updateGoal = goalRows.update;
export const deleteGoal = goalRows.remove;

/**
 * A person's goal, locked for the caller's transaction: a change computed from it (a progress delta, a move between
 * states) waits for one under way on the same goal, and starts from what that one wrote.
 */
export async function lockGoal(db: Executor, userId: string, id: string) {
  const [row] = await db
    .select()
    .from(userGoals)
    .where(and(eq(userGoals.userId, userId), eq(userGoals.id, id)))
    .for('update');
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
