import type { Db, Executor } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { userConditions } from '../users/service.js';
import { localDay, windowsAt, zoneOrUtc } from './calendar.js';
import type { Learners } from './learners.js';
import * as queries from './queries.stats.js';
import type { LearningEventInput } from './schemas.analytics.js';
import { statsView } from './views.js';

/** Clocks of reporting services run a little ahead; an event further ahead than this is refused. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Users per statement when the stats job recomputes windows: each batch locks only its own rows, briefly. */
const WINDOW_BATCH = 1000;

const none: queries.Increments = {
  totalCoursesEnrolled: 0,
  coursesCompleted: 0,
  totalLearningTime: 0,
  totalAssessmentsTaken: 0,
  assessmentsPassed: 0,
  totalLogins: 0,
  certificatesEarned: 0,
  badgesEarned: 0,
  pointsEarned: 0,
};

function toRow(event: LearningEventInput, zone: string) {
  const occurredAt = new Date(event.occurredAt);
  const field = <K extends string>(key: K) => (key in event ? (event as Record<K, unknown>)[key] : undefined);
  return {
    eventId: event.id,
    type: event.type,
    occurredAt,
    day: localDay(occurredAt, zone),
    courseId: (field('courseId') as string | undefined) ?? null,
    lessonId: (field('lessonId') as string | undefined) ?? null,
    minutes: (field('minutes') as number | undefined) ?? null,
    score: (field('score') as number | undefined) ?? null,
    passed: (field('passed') as boolean | undefined) ?? null,
    points: (field('points') as number | undefined) ?? null,
    reference: ((field('assessmentId') ?? field('certificateId') ?? field('badgeId')) as string | undefined) ?? null,
  };
}

/** What a batch of new events adds: counters (exact in any order), per-day gains, the latest and highest values. */
function summarise(events: queries.StoredEvent[]) {
  const add = { ...none };
  let highestScore: number | null = null;
  let lastActivity: Date | null = null;
  const types: Record<string, number> = {};
  const days = new Map<string, Required<queries.DayGain>>();
  const dayOf = (day: string) =>
    days.get(day) ?? (days.set(day, { day, logins: 0, lessons: 0, minutes: 0, scores: [] }).get(day) as Required<queries.DayGain>);
  for (const event of events) {
    types[event.type] = (types[event.type] ?? 0) + 1;
    if (!lastActivity || event.occurredAt > lastActivity) lastActivity = event.occurredAt;
    if (event.type === 'course.enrolled') add.totalCoursesEnrolled++;
    if (event.type === 'course.completed') add.coursesCompleted++;
    if (event.type === 'lesson.completed') {
      add.totalLearningTime += event.minutes ?? 0;
      dayOf(event.day).lessons++;
      dayOf(event.day).minutes += event.minutes ?? 0;
    }
    if (event.type === 'certificate.earned') add.certificatesEarned++;
    if (event.type === 'badge.earned') add.badgesEarned++;
    if (event.type === 'points.earned') add.pointsEarned += event.points ?? 0;
    if (event.type === 'assessment.completed') {
      add.totalAssessmentsTaken++;
      if (event.passed) add.assessmentsPassed++;
      highestScore = Math.max(highestScore ?? 0, event.score ?? 0);
      dayOf(event.day).scores.push(event.score ?? 0);
    }
  }
  const touched = {
    assessments: add.totalAssessmentsTaken > 0,
    courses: events.some((event) => event.courseId !== null),
    lessons: (types['lesson.completed'] ?? 0) > 0,
  };
  // In day order, like every writer of these rows: two batches of one learner then lock them in the same order.
  const byDay = [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  return { add, latest: { highestScore, lastActivity, ...touched }, types, days: byDay };
}

/** Recomputes the windows of every user whose week or month moved on, or whose streak lapsed, in batches. */
export async function refreshAllWindows(db: Db, now: Date) {
  const zones = (await queries.zonesWithStats(db, userConditions.timezone)).map((zone) => ({ zone, ...windowsAt(now, zoneOrUtc(zone)) }));
  let updated = 0;
  for (;;) {
    const batch = await queries.refreshWindows(db, zones, { batch: WINDOW_BATCH }, userConditions.timezone);
    updated += batch;
    if (batch < WINDOW_BATCH) return updated;
  }
}

/**
 * Learning analytics: learning events (reported by other services) and sign-ins, rolled up per
 * day in the learner's timezone and added to `learning_stats` in the same transaction; a job keeps the
 * week, month and streak current when nothing arrives.
 */
export function createStatistics(db: Db, { useCases, find }: Learners) {
  const zoneOf = async (executor: Executor, userId: string) =>
    zoneOrUtc(await queries.timezoneOf(executor, userId, userConditions.timezone));

  /** After new activity: streaks when a day became active, and this week's and month's minutes. */
  async function refresh(tx: Executor, userId: string, zone: string, now: Date, dayBecameActive: boolean) {
    const windows = windowsAt(now, zone);
    if (dayBecameActive) await queries.refreshStreaks(tx, userId, windows.yesterday);
    await queries.refreshWindows(tx, [{ zone, ...windows }], { userId }, userConditions.timezone);
  }

  return {
    async get(caller: SignedInCaller, id: string) {
      const learner = await find(db, caller, id);
      return statsView(await queries.findStats(db, learner.id));
    },

    /** A batch of events for one learner: new ones are stored and counted, ones seen before (by id) change nothing. */
    async record(caller: SignedInCaller, id: string, events: LearningEventInput[], now = new Date()) {
      const ahead = events.findIndex((event) => new Date(event.occurredAt).getTime() > now.getTime() + CLOCK_SKEW_MS);
      if (ahead >= 0) {
        throw httpErrors.VALIDATION_FAILED({
          detail: 'A learning event cannot have happened in the future.',
          errors: [{ path: `/events/${ahead}/occurredAt`, message: 'must not be in the future' }],
        });
      }
      return useCases.run(caller, async (tx, emit) => {
        const learner = await find(tx, caller, id);
        const zone = await zoneOf(tx, learner.id);
        const recorded = await queries.insertNewEvents(
          tx,
          learner.id,
          // Sorted by id, so two overlapping retries of one batch wait for each other instead of deadlocking.
          events.map((event) => toRow(event, zone)).sort((a, b) => (a.eventId < b.eventId ? -1 : 1)),
        );
        const duplicates = events.length - recorded.length;
        if (recorded.length > 0) {
          const { add, latest, types, days } = summarise(recorded);
          const lessonsOn = new Map(days.map((gain) => [gain.day, gain.lessons]));
          const updatedDays = days.length > 0 ? await queries.addToDays(tx, learner.id, days) : [];
          // A day is newly active when the lessons it has now are all this batch's and nobody signed in on it.
          const becameActive = updatedDays.some((day) => day.logins === 0 && day.lessons > 0 && day.lessons === lessonsOn.get(day.day));
          await queries.addToStats(tx, learner.id, add, latest);
          await refresh(tx, learner.id, zone, now, becameActive);
          const payload = { userId: learner.id, recorded: recorded.length, duplicates, types };
          await emit({ type: 'learning.events_recorded', entityId: learner.id, organizationId: learner.organizationId, payload });
        }
        return { recorded: recorded.length, duplicates, stats: statsView(await queries.findStats(tx, learner.id)) };
      });
    },

    /** A sign-in (in its transaction): one more login, on today in the user's timezone. */
    async recordSignIn(tx: Executor, userId: string, now = new Date()) {
      const zone = await zoneOf(tx, userId);
      const [day] = await queries.addToDays(tx, userId, [{ day: localDay(now, zone), logins: 1 }]);
      const latest = { highestScore: null, lastActivity: now, assessments: false, courses: false, lessons: false };
      await queries.addToStats(tx, userId, { ...none, totalLogins: 1 }, latest);
      // Only the first activity of a day can lengthen a streak; sign-ins add no minutes to the windows.
      if (day?.logins === 1 && day.lessons === 0) await queries.refreshStreaks(tx, userId, windowsAt(now, zone).yesterday);
    },

    /** The stats job: every user whose week or month moved on, or whose streak lapsed; returns how many. */
    refreshWindows: (now = new Date()) => refreshAllWindows(db, now),
  };
}
