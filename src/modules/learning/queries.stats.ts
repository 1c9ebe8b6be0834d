import { eq, type SQL, sql } from 'drizzle-orm';
import { type Executor, queryRows, rowsOf } from '../../db/client.js';
import { learningDays, learningEvents, learningStats } from '../../db/schema/index.js';

export type StatsRow = typeof learningStats.$inferSelect;
export type NewLearningEvent = typeof learningEvents.$inferInsert;
export type LearningEventRow = typeof learningEvents.$inferSelect;

/** Where the users module keeps a user's timezone: SQL it writes over its own tables, given the user's id. */
export type TimezoneOfUser = (userId: SQL) => SQL<string | null>;

/** The learner's timezone, as their profile names it (read through users' SQL, never written here). */
export async function timezoneOf(db: Executor, userId: string, timezone: TimezoneOfUser) {
  const [row] = await queryRows<{ timezone: string | null }>(db, sql`SELECT ${timezone(sql`${userId}::uuid`)} AS timezone`);
  return row?.timezone ?? undefined;
}

export async function findStats(db: Executor, userId: string) {
  const [row] = await db.select().from(learningStats).where(eq(learningStats.userId, userId));
  return row;
}

/** An event as stored and as the statistics read it back. */
export type StoredEvent = Pick<
  LearningEventRow,
  'eventId' | 'type' | 'occurredAt' | 'day' | 'courseId' | 'minutes' | 'score' | 'passed' | 'points'
>;

/**
 * Only the events not seen before (by the reporter's id) come back: a retried batch inserts nothing.
 * The batch travels as one JSON parameter: 500 rows of thirteen columns as bound parameters cost far more.
 */
export async function insertNewEvents(db: Executor, userId: string, rows: Omit<NewLearningEvent, 'userId'>[]): Promise<StoredEvent[]> {
  const inserted = await queryRows<Omit<StoredEvent, 'occurredAt'> & { occurredAt: string }>(
    db,
    sql`
    INSERT INTO learning_events (user_id, event_id, type, occurred_at, day, course_id, lesson_id, minutes, score, passed, points, reference)
    SELECT ${userId}, e."eventId", e.type, e."occurredAt", e.day, e."courseId", e."lessonId", e.minutes, e.score, e.passed, e.points, e.reference
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(
      "eventId" varchar(100), type learning_event_type, "occurredAt" timestamptz, day date, "courseId" uuid, "lessonId" uuid,
      minutes integer, score double precision, passed boolean, points integer, reference varchar(100))
    ON CONFLICT DO NOTHING
    RETURNING event_id AS "eventId", type, occurred_at AS "occurredAt", day::text AS day, course_id AS "courseId", minutes, score, passed, points`,
  );
  return inserted.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
}

/** What one day gains: sign-ins, completed lessons and their minutes, assessments and their scores. */
export interface DayGain {
  day: string;
  logins?: number;
  lessons?: number;
  minutes?: number;
  scores?: number[];
}

/**
 * Adds to a user's days; the rows as they now are. Scores are summed as exact decimals (from their
 * shortest decimal spelling), so the average is the same whatever order they arrive in.
 */
export async function addToDays(db: Executor, userId: string, gains: DayGain[]) {
  const added = (column: keyof typeof learningDays.$inferSelect) =>
    sql`${learningDays[column]} + excluded.${sql.identifier(learningDays[column].name)}`;
  return db
    .insert(learningDays)
    .values(
      gains.map(({ day, logins = 0, lessons = 0, minutes = 0, scores = [] }) => ({
        userId,
        day,
        logins,
        lessons,
        minutes,
        assessments: scores.length,
        scoreSum: sql`(SELECT coalesce(sum(score::numeric), 0) FROM jsonb_array_elements_text(${JSON.stringify(scores.map(String))}::jsonb) AS score)`,
      })),
    )
    .onConflictDoUpdate({
      target: [learningDays.userId, learningDays.day],
      set: {
        logins: added('logins'),
        lessons: added('lessons'),
        minutes: added('minutes'),
        assessments: added('assessments'),
        scoreSum: added('scoreSum'),
      },
    })
    .returning({ day: learningDays.day, logins: learningDays.logins, lessons: learningDays.lessons });
}

/** Counters a batch adds to (integers, exact in any order). */
export interface Increments {
  totalCoursesEnrolled: number;
  coursesCompleted: number;
  totalLearningTime: number;
  totalAssessmentsTaken: number;
  assessmentsPassed: number;
  totalLogins: number;
  certificatesEarned: number;
  badgesEarned: number;
  pointsEarned: number;
}

const column = (key: keyof StatsRow) => learningStats[key];
/** A field of the user's latest event (by when it happened, the reporter's id breaking ties) that has it. */
const ofLatestEvent = (userId: string, field: typeof learningEvents.courseId | typeof learningEvents.lessonId, condition: SQL) =>
  sql`(SELECT ${field} FROM ${learningEvents} WHERE ${learningEvents.userId} = ${userId} AND ${condition}
       ORDER BY ${learningEvents.occurredAt} DESC, ${learningEvents.eventId} DESC LIMIT 1)`;

/**
 * Adds a batch to a user's statistics in one upsert. Maxima only grow, and the "last" course and lesson
 * are those of the latest event by `occurredAt` (not by arrival), so late events change nothing they
 * should not. What the batch did not touch is not recomputed.
 */
export async function addToStats(
  db: Executor,
  userId: string,
  increments: Increments,
  latest: { highestScore: number | null; lastActivity: Date | null; assessments: boolean; courses: boolean; lessons: boolean },
) {
  const derived: Partial<Record<keyof StatsRow, SQL>> = {};
  if (latest.assessments) {
    derived.averageScore = sql`(SELECT (sum(score_sum) / nullif(sum(assessments), 0))::float8 FROM learning_days WHERE user_id = ${userId})`;
  }
  if (latest.courses)
    derived.lastCourseAccessed = ofLatestEvent(userId, learningEvents.courseId, sql`${learningEvents.courseId} IS NOT NULL`);
  if (latest.lessons) {
    derived.lastLessonCompleted = ofLatestEvent(userId, learningEvents.lessonId, sql`${learningEvents.type} = 'lesson.completed'`);
  }
  const added = Object.fromEntries(
    Object.keys(increments).map((key) => [
      key,
      sql`${column(key as keyof StatsRow)} + excluded.${sql.identifier(column(key as keyof StatsRow).name)}`,
    ]),
  );
  const inProgress = increments.totalCoursesEnrolled - increments.coursesCompleted;
  await db
    .insert(learningStats)
    .values({
      userId,
      ...increments,
      coursesInProgress: Math.max(inProgress, 0),
      highestScore: latest.highestScore,
      lastActivity: latest.lastActivity,
      ...derived,
    })
    .onConflictDoUpdate({
      target: learningStats.userId,
      set: {
        ...added,
        coursesInProgress: sql`greatest(${learningStats.totalCoursesEnrolled} + ${increments.totalCoursesEnrolled} - ${learningStats.coursesCompleted} - ${increments.coursesCompleted}, 0)`,
        highestScore: sql`greatest(${learningStats.highestScore}, excluded.highest_score)`,
        lastActivity: sql`greatest(${learningStats.lastActivity}, excluded.last_activity)`,
        ...derived,
        updatedAt: new Date(),
      },
    });
}

/**
 * Streaks from the active days (a sign-in or a completed lesson): the longest run ever, and the run
 * ending on the latest active day if that day is `yesterday` or later (otherwise it is broken).
 */
export async function refreshStreaks(db: Executor, userId: string, yesterday: string) {
  await db.execute(sql`
    WITH runs AS (
      SELECT max(day) AS last_day, count(*)::int AS length
      FROM (
        SELECT day, day - (row_number() OVER (ORDER BY day))::int AS run
        FROM learning_days WHERE user_id = ${userId} AND (logins > 0 OR lessons > 0)
      ) active
      GROUP BY run
    )
    UPDATE learning_stats SET
      longest_login_streak = coalesce((SELECT max(length) FROM runs), 0),
      login_streak = coalesce((SELECT length FROM runs WHERE last_day >= ${yesterday}::date ORDER BY last_day DESC LIMIT 1), 0)
    WHERE user_id = ${userId}`);
}

/** Where "now" is for the users of one timezone. */
export interface ZoneWindows {
  zone: string;
  weekStart: string;
  monthStart: string;
  yesterday: string;
}

/** The timezones of users with statistics (as their profiles spell them; a user without a profile is in UTC). */
export async function zonesWithStats(db: Executor, timezone: TimezoneOfUser): Promise<string[]> {
  const result = await db.execute(sql`
    SELECT DISTINCT coalesce(${timezone(sql`s.user_id`)}, 'UTC') AS zone
    FROM learning_stats s`);
  return rowsOf<{ zone: string }>(result).map((row) => row.zone);
}

/** Did the user sign in or complete a lesson on `day` or later? */
const activeSince = (user: SQL, day: SQL) =>
  sql`EXISTS (SELECT 1 FROM learning_days d WHERE d.user_id = ${user} AND d.day >= ${day} AND (d.logins > 0 OR d.lessons > 0))`;

/**
 * Recomputes the time-windowed statistics: this week's and this month's minutes in each user's
 * timezone, and a login streak broken by a day without activity. For one user (after their events),
 * or for up to `batch` users whose week or month has moved on or whose streak has lapsed; returns how
 * many rows it updated, so the caller can repeat until none is left.
 */
export async function refreshWindows(
  db: Executor,
  zones: ZoneWindows[],
  target: { userId: string } | { batch: number },
  timezone: TimezoneOfUser,
): Promise<number> {
  const stale = sql`s.week_start_date IS DISTINCT FROM z.week_start OR s.month_start_date IS DISTINCT FROM z.month_start
    OR (s.login_streak > 0 AND NOT ${activeSince(sql`s.user_id`, sql`z.yesterday`)})`;
  const [which, limit] =
    'userId' in target ? [sql`s.user_id = ${target.userId}`, sql``] : [stale, sql`ORDER BY s.user_id LIMIT ${target.batch}`];
  const rows = zones.map(({ zone, weekStart, monthStart, yesterday }) => ({
    zone,
    week_start: weekStart,
    month_start: monthStart,
    yesterday,
  }));
  const result = await db.execute(sql`
    WITH z AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(zone text, week_start date, month_start date, yesterday date)
    ),
    t AS (
      SELECT s.user_id, z.week_start, z.month_start, z.yesterday
      FROM learning_stats s
      JOIN z ON ${'userId' in target ? sql`true` : sql`z.zone = coalesce(${timezone(sql`s.user_id`)}, 'UTC')`}
      WHERE ${which} ${limit}
      FOR UPDATE OF s SKIP LOCKED
    ), updated AS (
      UPDATE learning_stats s SET
        this_week_learning_time = coalesce((SELECT sum(d.minutes)::int FROM learning_days d
          WHERE d.user_id = t.user_id AND d.day >= t.week_start AND d.day < t.week_start + 7), 0),
        this_month_learning_time = coalesce((SELECT sum(d.minutes)::int FROM learning_days d
          WHERE d.user_id = t.user_id AND d.day >= t.month_start AND d.day < (t.month_start + interval '1 month')::date), 0),
        week_start_date = t.week_start,
        month_start_date = t.month_start,
        login_streak = CASE WHEN ${activeSince(sql`t.user_id`, sql`t.yesterday`)} THEN s.login_streak ELSE 0 END,
        updated_at = now()
      FROM t WHERE s.user_id = t.user_id
      RETURNING 1
    )
    SELECT count(*)::int AS updated FROM updated`);
  return rowsOf<{ updated: number }>(result)[0]?.updated ?? 0;
}

export const learningEventsOf = (db: Executor, userId: string) =>
  db.select().from(learningEvents).where(eq(learningEvents.userId, userId)).orderBy(learningEvents.occurredAt);
