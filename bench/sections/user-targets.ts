import { randomBytes } from 'node:crypto';
import type autocannon from 'autocannon';
import { cursorPages } from '../cursor-pages.js';
import { type BenchRow, type BenchTarget, REFERENCE_CASE, type Section } from '../lib.js';
import { seedUsers } from '../seed-users.js';
import { adminHeaders, adminServerEnv } from '../server.js';
import { judged } from '../targets.js';

const SECTION = 'user-targets';
/** 100,000 seed in ~20 s on PostgreSQL and ~35 s on PGlite on the loaded 2-core machine; BENCH_USERS sets it. */
const seededUsers = () => Number(process.env.BENCH_USERS ?? 100_000);
/** The seed document's claim (003): 50+ clients at once. Fifty connections against a pool of DB_POOL_SIZE (20). */
const CONCURRENT_CLIENTS = 50;
/**
 * At fifty connections each client is answered this many times, every request counted until it is answered
 * or times out (autocannon's 10 s): a run of a fixed duration would drop what is still queued when it ends,
 * and PGlite, interleaving fifty requests' statements on its one connection, may finish none within 5 s.
 */
const ANSWERS_PER_CLIENT = 2;
/**
 * Search terms that each find people (the seed makes 210 first and last name pairs): names typed without their
 * accents (Zoë, Müller, Ibáñez, Sofía), a whole name, a username. A term that finds nobody costs ~1 ms and would flatter.
 */
const TERMS = ['lovelace', 'zoe', 'muller', 'zoe muller', 'ibanez', 'sofia', 'user4242'];
const PASSWORD = 'a bench passphrase nobody breached';

/** Seeded addresses spread over the alphabet, read through the list sorted by email (a few pages, not the first only). */
async function sampleEmails(target: BenchTarget, headers: Record<string, string>) {
  const page = async (number: number) =>
    (await (await fetch(`${target.baseUrl}/users?sort=email&limit=100&page=${number}`, { headers })).json()) as {
      data: { email: string }[];
      total: number;
    };
  const first = await page(1);
  const pages = Math.max(1, Math.min(10_000, Math.floor(first.total / 100)));
  const emails = first.data.map((user) => user.email);
  for (const fraction of [0.2, 0.4, 0.6, 0.8])
    emails.push(...(await page(1 + Math.floor(fraction * pages))).data.map((user) => user.email));
  return emails;
}

/** One request after another from `paths`, round robin (each case's own turn). */
function inTurn(paths: string[], headers: Record<string, string>): autocannon.Request {
  let next = 0;
  return { method: 'GET', headers, setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] as string }) };
}

/** Every request a new address (a run tag and a counter): a repeated one would answer 409 and measure nothing. */
function newUsers(headers: Record<string, string>): autocannon.Request {
  const tag = randomBytes(3).toString('hex');
  let made = 0;
  return {
    method: 'POST',
    path: '/users',
    headers: { ...headers, 'content-type': 'application/json' },
    setupRequest: (request) => {
      const n = made++;
      return {
        ...request,
        body: JSON.stringify({ email: `new.${tag}.${n}@example.com`, password: PASSWORD, firstName: 'New', lastName: `Person ${n}` }),
      };
    },
  };
}

/**
 * `npm run db:performance`: the seed document's targets (003) for the user operations, on a seeded database,
 * each checked by the run. Latency targets are measured at one connection (the operation's own time); every
 * case again by fifty clients at once, each answered twice, without an error.
 */
export const userTargets: Section = {
  name: SECTION,
  serverEnv: adminServerEnv,
  async seed(env) {
    const started = Date.now();
    await seedUsers(env, seededUsers());
    process.stderr.write(`seeded ${seededUsers()} users with profiles and roles in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  },
  async run(target, measure) {
    const headers = await adminHeaders(target);
    const emails = (await sampleEmails(target, headers)).map(encodeURIComponent);
    const pages = Array.from({ length: 50 }, (_, index) => `/users?page=${index + 1}&limit=20`);
    const searches = TERMS.map((term) => `/users?search=${encodeURIComponent(term)}&role=user&status=ACTIVE&sort=name&order=asc&limit=20`);
    const checks = emails.map((email) => `/users/check-email?email=${email}`);
    const byEmail = emails.map((email) => `/users?email=${email}`);
    const cases: { title: string; underMs: number; request: autocannon.Request }[] = [
      { title: 'email lookup: GET /users/check-email?email=', underMs: 10, request: inTurn(checks, headers) },
      { title: 'email lookup: GET /users?email=', underMs: 10, request: inTurn(byEmail, headers) },
      { title: 'list: GET /users?page=1..50&limit=20 (+ total)', underMs: 50, request: inTurn(pages, headers) },
      { title: 'list: GET /users?limit=20&cursor= (walking on)', underMs: 50, request: cursorPages('/users?limit=20', headers) },
      { title: 'create: POST /users with a password (argon2id)', underMs: 100, request: newUsers(headers) },
      { title: 'search: ?search&role=user&status=ACTIVE&sort=name', underMs: 200, request: inTurn(searches, headers) },
    ];

    const rows: BenchRow[] = [await measure(SECTION, { title: REFERENCE_CASE, requests: [{ method: 'GET', path: '/health/live' }] })];
    for (const { title, underMs, request } of cases) {
      rows.push(judged(await measure(SECTION, { title, connections: 1, requests: [request] }), { latencyUnderMs: underMs }));
    }
    for (const { title, request } of cases) {
      const row = await measure(SECTION, {
        title,
        connections: CONCURRENT_CLIENTS,
        amount: CONCURRENT_CLIENTS * ANSWERS_PER_CLIENT,
        requests: [request],
      });
      rows.push(judged(row, { concurrentClients: CONCURRENT_CLIENTS }));
    }
    return rows;
  },
};
