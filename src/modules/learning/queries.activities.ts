import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.js';
import { type Executor, rowsOf } from '../../db/client.js';
import { eachGivenEquals, inRange } from '../../db/filters.js';
import { userActivities } from '../../db/schema/index.js';

export type ActivityRow = typeof userActivities.$inferSelect;
export type NewActivity = typeof userActivities.$inferInsert;

export async function insertActivities(db: Executor, rows: NewActivity[]) {
  await insertMany(db, userActivities, rows);
}

export interface ActivityFilter {
  type?: ActivityRow['activityType'];
  from?: Date;
  to?: Date;
  /** The last row of the previous page. */
  after?: { createdAt: Date; id: string };
}

/** Newest first, keyset on (created_at, id), served by the (user_id[, activity_type], created_at, id) indexes. */
export function listActivities(db: Executor, userId: string, filter: ActivityFilter, limit: number) {
  const { after } = filter;
  return db
    .select()
    .from(userActivities)
    .where(
      and(
        eq(userActivities.userId, userId),
        eachGivenEquals(filter, { type: userActivities.activityType }),
        inRange(userActivities.createdAt, filter.from, filter.to),
        after
          ? or(
              lt(userActivities.createdAt, after.createdAt),
              and(eq(userActivities.createdAt, after.createdAt), lt(userActivities.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(userActivities.createdAt), desc(userActivities.id))
    .limit(limit);
}

export async function activitiesOf(db: Executor, userId: string) {
  return db.select().from(userActivities).where(eq(userActivities.userId, userId)).orderBy(desc(userActivities.createdAt));
}

/**
 * Deletes up to `batch` activities older than `cutoff`, oldest first, in one short statement. Rows
 * another node is deleting at the same moment are skipped, not waited for.
 */
export async function deleteActivitiesBefore(db: Executor, cutoff: Date, batch: number): Promise<number> {
  const result = await db.execute(sql`
    WITH gone AS (
      DELETE FROM ${userActivities} WHERE ${userActivities.id} IN (
        SELECT ${userActivities.id} FROM ${userActivities}
        WHERE ${userActivities.createdAt} < ${cutoff}
        ORDER BY ${userActivities.createdAt}
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING 1
    )
    SELECT count(*)::int AS deleted FROM gone`);
  return rowsOf<{ deleted: number }>(result)[0]?.deleted ?? 0;
}
