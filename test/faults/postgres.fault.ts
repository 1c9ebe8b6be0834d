import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, queryRows } from '../../src/db/client.js';
import { toAppError } from '../../src/http/problem.js';
import { createHarness, type Harness } from '../helpers/app.js';
import { loginAs } from '../helpers/auth.js';
import { eventually, postgresThroughProxy, sleep } from './proxied.js';
import type { TcpProxy } from './tcp-proxy.js';

const DB_POOL_SIZE = 4;
const DB_CONNECTION_TIMEOUT = 1000;
const DB_STATEMENT_TIMEOUT = 1000;
/** node-postgres gives up on a silent connection a second after the server would have cancelled the statement. */
const READ_TIMEOUT = DB_STATEMENT_TIMEOUT + 1000;

type Session = Awaited<ReturnType<typeof loginAs>>;

function expectUnavailable(res: LightMyRequestResponse) {
  expect(res.statusCode, res.body).toBe(503);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.json()).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
}

describe.skipIf(!process.env.DATABASE_URL)('PostgreSQL goes away (through a TCP proxy)', () => {
  let h: Harness;
  let proxy: TcpProxy;
  let direct: Database;
  let admin: Session;

  beforeAll(async () => {
    const proxied = await postgresThroughProxy({ DB_POOL_SIZE, DB_CONNECTION_TIMEOUT, DB_STATEMENT_TIMEOUT });
    proxy = proxied.proxy;
    direct = proxied.direct;
    h = await createHarness({ db: proxied.db, config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    proxy?.pass();
    await h?.close();
  });

  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    h.app.inject({ method, url, headers: admin.headers, ...(payload ? { payload } : {}) });

  it('survives connections reset during a burst of writes: 503 for what failed, nothing lost or half-written, then resumes', async () => {
    interface Write {
      i: number;
      email: string;
      started: number;
      create: LightMyRequestResponse;
      id?: string;
      patch?: LightMyRequestResponse;
    }
    const writes: Write[] = [];
    let next = 0;
    let running = true;
    // Each worker creates a user, then changes it: the two writes an admin console makes most.
    const worker = async () => {
      while (running) {
        const i = next++;
        const write: Write = {
          i,
          email: `burst-${i}@example.com`,
          started: Date.now(),
          create: await send('POST', '/users', { email: `burst-${i}@example.com`, firstName: 'Burst', lastName: `L${i}` }),
        };
        if (write.create.statusCode === 201) {
          write.id = write.create.json().user.id;
          write.patch = await send('PATCH', `/users/${write.id}`, { lastName: `P${i}` });
        }
        writes.push(write);
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    // Three outages: connections cut mid-transaction, and new ones refused while the server is "gone".
    let back = 0;
    for (const outageMs of [0, 150, 400]) {
      await sleep(300);
      proxy.reset();
      await sleep(outageMs);
      proxy.pass();
      back = Date.now();
    }
    await sleep(1500);
    running = false;
    await Promise.all(workers);

    // Every answer is an acknowledged write or a 503 problem.
    const creates = writes.map((write) => write.create);
    const patches = writes.flatMap((write) => (write.patch ? [write.patch] : []));
    for (const res of creates) expect([201, 503]).toContain(res.statusCode);
    for (const res of patches) expect([200, 503]).toContain(res.statusCode);
    const refused = [...creates, ...patches].filter((res) => res.statusCode === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const res of refused) expectUnavailable(res);

    // Service resumed as soon as the server was back: everything begun a moment after is acknowledged.
    const later = writes.filter((write) => write.started > back + 300);
    expect(later.length).toBeGreaterThan(5);
    for (const write of later) {
      expect(write.create.statusCode).toBe(201);
      expect(write.patch?.statusCode).toBe(200);
    }

    // In the database: every acknowledged write is there, and a refused one is there whole or not at all.
    const rows = await queryRows<{ email: string; last_name: string; profiles: number; created: number; updated: number }>(
      direct.primary,
      sql`SELECT u.email, u.last_name,
            (SELECT count(*)::int FROM profiles p WHERE p.user_id = u.id) AS profiles,
            (SELECT count(*)::int FROM audit_logs a WHERE a.entity_id = u.id::text AND a.action = 'user.created') AS created,
            (SELECT count(*)::int FROM audit_logs a WHERE a.entity_id = u.id::text AND a.action = 'user.updated') AS updated
          FROM users u WHERE u.email LIKE 'burst-%'`,
    );
    const byEmail = new Map(rows.map((row) => [row.email, row]));
    for (const row of rows)
      expect({ email: row.email, profiles: row.profiles, created: row.created }).toEqual({ email: row.email, profiles: 1, created: 1 });
    for (const write of writes) {
      const row = byEmail.get(write.email);
      if (write.create.statusCode === 201) expect(row, write.email).toBeDefined();
      if (!row) continue;
      const patched = { last_name: `P${write.i}`, updated: 1 };
      const unpatched = { last_name: `L${write.i}`, updated: 0 };
      if (write.patch?.statusCode === 200) expect({ last_name: row.last_name, updated: row.updated }).toEqual(patched);
      else expect([patched, unpatched]).toContainEqual({ last_name: row.last_name, updated: row.updated });
    }
    expect((await send('GET', '/audit-logs/verify')).json()).toMatchObject({ valid: true });

    // Every connection went back to the pool, even one that broke during BEGIN: as many transactions as the
    // pool holds run side by side, each holding its connection longer than anyone waits for one.
    const holdConnection = () =>
      h.context.database.primary.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_sleep(0.7)`);
        await tx.execute(sql`SELECT pg_sleep(0.7)`);
      });
    await Promise.all(Array.from({ length: DB_POOL_SIZE }, holdConnection));
  });

  it('answers 503 within the configured timeouts when the database stalls, /health within a second, and recovers', async () => {
    const timed = async (request: () => Promise<LightMyRequestResponse>) => {
      const started = performance.now();
      const res = await request();
      return { res, ms: performance.now() - started };
    };
    proxy.stall();
    try {
      for (let wave = 0; wave < 2; wave++) {
        const [health, read, write, list] = await Promise.all([
          timed(() => h.app.inject({ method: 'GET', url: '/health' })),
          timed(() => send('GET', `/users/${admin.userId}`)),
          timed(() => send('POST', '/users', { email: `stalled-${wave}@example.com`, firstName: 'Stalled' })),
          timed(() => send('GET', '/users?limit=5')),
        ]);
        expect(health.res.statusCode).toBe(503);
        expect(health.res.json()).toMatchObject({ status: 'degraded', database: { status: 'down' } });
        expect(health.ms).toBeLessThan(1000);
        for (const { res, ms } of [read, write, list]) {
          expectUnavailable(res);
          // A silent connection is given up after READ_TIMEOUT; a new one after DB_CONNECTION_TIMEOUT.
          expect(ms).toBeLessThan(READ_TIMEOUT + 750);
        }
      }
    } finally {
      proxy.pass();
    }
    await eventually(async () => (await h.app.inject({ method: 'GET', url: '/health' })).statusCode === 200, 3000, '/health ok again');
    const after = await send('POST', '/users', { email: 'after-stall@example.com', firstName: 'After' });
    expect(after.statusCode).toBe(201);
    await sleep(200);
    const stalled = await queryRows<{ email: string }>(direct.primary, sql`SELECT email FROM users WHERE email LIKE 'stalled-%'`);
    expect(stalled).toEqual([]);
  });

  it('closes a connection that stopped answering rather than handing it out again', async () => {
    // One connection, so a stuck one left in the pool would be the one the next caller gets.
    const lossy = await postgresThroughProxy({ DB_POOL_SIZE: 1, DB_CONNECTION_TIMEOUT, DB_STATEMENT_TIMEOUT });
    try {
      const { primary } = lossy.db.database;
      await primary.execute(sql`SELECT 1`);
      lossy.proxy.stall();
      const failure = await primary.transaction((tx) => tx.execute(sql`SELECT 1`)).catch((error: unknown) => error);
      expect(toAppError(failure)).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      // The stalled connection never answers again (the far side lost it); new connections get through.
      lossy.proxy.pass({ abandonStalled: true });
      const started = performance.now();
      await primary.transaction((tx) => tx.execute(sql`SELECT 1`));
      await primary.execute(sql`SELECT 1`);
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      await lossy.db.dispose();
    }
  });

  it('answers 503 when a statement outlives DB_STATEMENT_TIMEOUT behind a lock, and writes nothing', async () => {
    const target = await loginAs(h);
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Another client holds the user's row, as a long transaction elsewhere would.
    const holder = direct.withSession(async (session) => {
      await session.query('BEGIN');
      await session.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [target.userId]);
      locked();
      await released;
      await session.query('ROLLBACK');
    });
    await lockTaken;
    try {
      const started = performance.now();
      const res = await send('PATCH', `/users/${target.userId}`, { lastName: 'Blocked' });
      expectUnavailable(res);
      expect(performance.now() - started).toBeLessThan(DB_STATEMENT_TIMEOUT + 750);
    } finally {
      release();
      await holder;
    }
    const [row] = await queryRows<{ last_name: string }>(direct.primary, sql`SELECT last_name FROM users WHERE id = ${target.userId}`);
    expect(row?.last_name).not.toBe('Blocked');
  });
});
