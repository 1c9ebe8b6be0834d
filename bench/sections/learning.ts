import type autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { pruneActivities } from '../../src/modules/learning/activity-log.js';
import { refreshAllWindows } from '../../src/modules/learning/statistics.js';
import type { BenchRow, Section } from '../lib.js';
import { seedUsers } from '../seed-users.js';
import { adminHeaders, adminServerEnv } from '../server.js';

const BATCH = 500;
const EXPIRED = 1_000_000;
const RECENT_PER_USER = 5;
const DAY = 86_400_000;

/** A batch of 500 events of one learner, unique by `prefix`: lessons, assessments, points, enrolments, badges. */
function batchOf(prefix: string, course: string): string {
  const at = (i: number) => new Date(Date.now() - (i % 20) * DAY - i * 60_000).toISOString();
  const events: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const head = `"id":"${prefix}-${i}","occurredAt":"${at(i)}"`;
    if (i % 10 < 4)
      events.push(`{${head},"type":"lesson.completed","lessonId":"${course}","courseId":"${course}","minutes":${5 + (i % 30)}}`);
    else if (i % 10 < 6) events.push(`{${head},"type":"assessment.completed","score":${(i * 7) % 101},"passed":${i % 3 !== 0}}`);
    else if (i % 10 < 8) events.push(`{${head},"type":"points.earned","points":${10 + (i % 50)}}`);
    else if (i % 10 < 9) events.push(`{${head},"type":"course.enrolled","courseId":"${course}"}`);
    else events.push(`{${head},"type":"badge.earned","badgeId":"b${i}"}`);
  }
  return `{"events":[${events.join(',')}]}`;
}

async function timed<T>(what: string, work: () => Promise<T>) {
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`${what}: ${seconds.toFixed(1)} s\n`);
  return { result, seconds };
}

/** A row for work timed once (a job run), in the table's shape: its rate as req/s, its time as p50. */
const onceRow = (target: { driver: 'pglite' | 'postgres' }, title: string, rate: number, seconds: number): BenchRow => ({
  section: 'learning',
  case: title,
  driver: target.driver,
  connections: 1,
  runs: 1,
  reqPerSec: Math.round(rate),
  p50Ms: seconds * 1000,
  p95Ms: seconds * 1000,
  p99Ms: seconds * 1000,
  errors: 0,
});

/**
 * Issue 11's figures on PostgreSQL with 100,000 users: learning events ingested per second in batches of
 * 500, the first page of a user's activity log, and the retention and stats jobs on a million rows.
 */
export const learning: Section = {
  name: 'learning',
  drivers: ['postgres'],
  serverEnv: adminServerEnv,
  async run(target, measure) {
    const url = target.env.DATABASE_URL as string;
    const users = Number(process.env.BENCH_USERS ?? 100_000);
    const ids = await seedUsers(target.env, users);
    const headers = { ...(await adminHeaders(target)), 'content-type': 'application/json' };
    const course = '01b00000-0000-7000-8000-00000000000c';
    process.stderr.write(`a batch of ${BATCH} events is ${(batchOf('x', course).length / 1024).toFixed(0)} KB\n`);

    // Every request a new learner's batch (ids unique per run), the way a course service reports.
    let next = 0;
    const ingest: autocannon.Request = {
      method: 'POST',
      headers,
      setupRequest: (request) => {
        const n = next++;
        return { ...request, path: `/users/${ids[n % ids.length]}/learning-events`, body: batchOf(`r${n}`, course) };
      },
    };
    const ingested = await measure('learning', { title: 'POST /users/:id/learning-events', connections: 8, requests: [ingest] });
    const rows: BenchRow[] = [
      { ...ingested, case: `${ingested.case}: ${BATCH} events a request = ${ingested.reqPerSec * BATCH} events/s` },
    ];

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // A year and more of activity: a million rows past ACTIVITY_RETENTION_DAYS (365), and recent ones for every user.
      await timed(`seeded ${EXPIRED} expired and ${users * RECENT_PER_USER} recent activities`, async () => {
        await client.query(
          `INSERT INTO user_activities (id, user_id, activity_type, activity_data, device_type, created_at)
           SELECT gen_random_uuid(), u.id, (enum_range(NULL::activity_type))[1 + g % 9], '{"fields":["bio"]}', 'desktop',
                  now() - interval '366 days' - g * interval '17 minutes'
           FROM (SELECT id, row_number() OVER () AS n FROM users) u, generate_series(1, $1::int) g`,
          [Math.ceil(EXPIRED / users)],
        );
        await client.query(
          `INSERT INTO user_activities (id, user_id, activity_type, activity_data, device_type, created_at)
           SELECT gen_random_uuid(), u.id, (enum_range(NULL::activity_type))[1 + g % 9], '{"fields":["bio"]}', 'mobile',
                  now() - g * interval '3 hours'
           FROM users u, generate_series(1, $1::int) g`,
          [RECENT_PER_USER],
        );
        await client.query('ANALYZE user_activities');
      });
    } finally {
      await client.end();
    }

    const page: autocannon.Request = {
      method: 'GET',
      headers,
      setupRequest: (request) => ({ ...request, path: `/users/${ids[next++ % ids.length]}/activities?limit=20` }),
    };
    rows.push(await measure('learning', { title: 'GET /users/:id/activities (first page)', requests: [page] }));

    const database = await openDatabase(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' }, '/nonexistent/.env'));
    try {
      const retention = await timed('retention job', () => pruneActivities(database.primary, new Date(), 365));
      rows.push(
        onceRow(
          target,
          `retention job: ${retention.result} rows deleted (rows/s)`,
          retention.result / retention.seconds,
          retention.seconds,
        ),
      );
      // The next Monday: every learner the ingest reached has a new week to recompute.
      const monday = new Date(Date.now() + ((8 - new Date().getUTCDay()) % 7 || 7) * DAY);
      const windows = await timed('stats job after a week boundary', () => refreshAllWindows(database.primary, monday));
      rows.push(
        onceRow(target, `stats job: ${windows.result} users' windows (users/s)`, windows.result / windows.seconds, windows.seconds),
      );
    } finally {
      await database.close();
    }
    return rows;
  },
};
