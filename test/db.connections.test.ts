import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopLevelHandleInTransactionError } from '../src/db/client.js';
import { users } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createTestDatabase, driver, poolOptions, type TestDatabase } from './helpers/databases.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the top-level handle inside a transaction', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(() => test.dispose());

  it('is refused at once (on PGlite it would wait for the transaction that waits for it)', async () => {
    const db = test.database.primary;
    const refused = [
      () =>
        db.transaction(async () => {
          await db.select().from(users).limit(1);
        }),
      () =>
        db.transaction(async () => {
          await db.execute(sql`select 1`);
        }),
      () => db.transaction(() => db.transaction(async () => undefined)),
      () => db.transaction(() => test.database.withSession(async () => undefined)),
      () => test.database.withSession(() => db.select().from(users).limit(1)),
      () =>
        test.database.read.transaction(async () => {
          await test.database.read.select().from(users).limit(1);
        }),
    ];
    for (const attempt of refused) await expect(attempt()).rejects.toBeInstanceOf(TopLevelHandleInTransactionError);
  });

  it('leaves the transaction handle and work outside transactions alone', async () => {
    const db = test.database.primary;
    await expect(db.transaction(async (tx) => (await tx.select().from(users)).length)).resolves.toBe(0);
    await expect(
      db.transaction((tx) => tx.transaction(async (nested) => (await nested.execute(sql`select 1`)) !== undefined)),
    ).resolves.toBe(true);
    await expect(test.database.withSession((session) => session.query('select 1 as one'))).resolves.toEqual([{ one: 1 }]);
    expect(await db.select().from(users)).toEqual([]);
  });
});

describe('a database with no free connection', () => {
  const waitMs = 400;
  let h: Harness;

  beforeAll(async () => {
    const db = await createTestDatabase({ waitMs });
    h = await createHarness({ db, config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(() => h.close());

  /** Holds every connection there is (PGlite's one, or the whole pool) until `release` is called. */
  async function occupyEveryConnection() {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = 0;
    const count = driver === 'pglite' ? 1 : poolOptions.DB_POOL_SIZE;
    const hold = (): Promise<void> => {
      let held = false;
      return h.context.database.primary
        .transaction(async (tx) => {
          await tx.execute(sql`select 1`);
          held = true;
          holding++;
          await released;
        })
        .catch((error) => {
          // Background work (jobs, the webhook worker) may hold a connection past the short wait: try again.
          if (held) throw error;
          return hold();
        });
    };
    const holders = Array.from({ length: count }, hold);
    while (holding < count) await sleep(10);
    return async () => {
      release();
      await Promise.all(holders);
    };
  }

  it('answers /health within a second and a request with 503 after the configured wait, and writes nothing late', async () => {
    const email = 'refused-while-busy@example.com';
    const release = await occupyEveryConnection();
    try {
      let started = performance.now();
      const health = await h.app.inject({ method: 'GET', url: '/health' });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ status: 'degraded', database: { status: 'down' } });
      expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

      started = performance.now();
      const register = await h.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email, password: 'a sturdy passphrase of mine' },
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(waitMs - 50);
      expect(register.statusCode).toBe(503);
      expect(register.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(register.json()).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    } finally {
      await release();
    }
    // The refused request left the queue: nothing of it runs once the connection is free.
    await sleep(200);
    expect(await h.context.database.primary.select().from(users).where(eq(users.email, email))).toEqual([]);
    expect((await h.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const again = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email, password: 'a sturdy passphrase of mine' },
    });
    expect(again.statusCode).toBe(202);
    expect(await h.context.database.primary.select({ id: users.id }).from(users).where(eq(users.email, email))).toHaveLength(1);
  });
});
