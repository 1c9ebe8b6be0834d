import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type AppContext, createContext } from '../../src/context.js';
import type { PresetName } from '../../src/modules/access/presets.js';
import { seedPreset } from '../../src/modules/access/service.js';
import { createAccessCache } from '../../src/platform/access-cache.js';
import { createReads } from '../../src/platform/reads.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export type TestApp = Awaited<ReturnType<typeof buildApp>>;

/** Config as a deployment would have it, from env-style strings, without the developer's .env. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(
    {
      LOG_LEVEL: 'silent',
      // Most tests call job handlers directly; test/jobs.test.ts runs the real scheduler.
      JOBS_ENABLED: 'false',
      PUBLIC_URL: 'https://tessera.test',
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: `tessera-test-${process.pid}-${Date.now()}:`,
      ...overrides,
    },
    '/nonexistent/.env',
  );
}

export interface Harness {
  app: TestApp;
  context: AppContext;
  db: TestDatabase;
  close(): Promise<void>;
}

/**
 * Builds the app so that any answer its route's schema does not declare (status or problem code) is
 * collected; closing the harness then fails the test file, naming each one.
 */
async function buildCheckedApp(context: AppContext) {
  const undeclared = new Set<string>();
  const invalidEvents = new Set<string>();
  const app = await buildApp(context, {
    onUndeclaredAnswer: (violation) => undeclared.add(violation),
    onInvalidEvent: (violation) => invalidEvents.add(violation),
  });
  await app.ready();
  const assertAllDeclared = () => {
    if (undeclared.size > 0) throw new Error(`answers the OpenAPI document does not declare:\n${[...undeclared].join('\n')}`);
    if (invalidEvents.size > 0) throw new Error(`events whose payload their schema refuses:\n${[...invalidEvents].join('\n')}`);
  };
  return { app, assertAllDeclared };
}

/** The real app on a fresh database of its own, with a role preset applied. */
export async function createHarness(
  options: { config?: Record<string, string | undefined>; preset?: PresetName | false; db?: TestDatabase } = {},
): Promise<Harness> {
  const db = options.db ?? (await createTestDatabase());
  const config = testConfig({ ...db.env, ...options.config });
  const context = await createContext(config, db.database);
  if (options.preset !== false) await seedPreset(context.database.primary, options.preset ?? 'basic');
  const { app, assertAllDeclared } = await buildCheckedApp(context);
  return {
    app,
    context,
    db,
    close: async () => {
      await app.close();
      await context.state.close();
      await db.dispose();
      assertAllDeclared();
    },
  };
}

/**
 * A second node on the same database and the same Redis prefix, as behind a load balancer. Without Redis
 * it shares the first node's in-process state (its bus and counters), as two nodes would share Redis.
 * `database`: the node's own connections to the same database (its own view of the replicas).
 */
export async function createPeer(h: Harness, database = h.context.database): Promise<Harness> {
  const own = await createContext(h.context.config, database);
  const shared = h.context.state.kind === 'memory';
  const context = shared
    ? {
        ...own,
        state: h.context.state,
        access: createAccessCache(h.context.state),
        reads: createReads(database, h.context.state, h.context.config.REPLICA_MAX_LAG),
      }
    : own;
  const { app, assertAllDeclared } = await buildCheckedApp(context);
  return {
    app,
    context,
    db: h.db,
    close: async () => {
      await app.close();
      await own.state.close();
      assertAllDeclared();
    },
  };
}
