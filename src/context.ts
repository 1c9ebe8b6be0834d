import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { type AccessCache, createAccessCache } from './platform/access-cache.js';
import { createJobRunner, type JobRunner } from './platform/jobs.js';
import { createReads, type Reads } from './platform/reads.js';
import { createMemoryState, createRedisState, type SharedState } from './platform/shared-state.js';
import { tesseraVersion } from './platform/version.js';

/** Everything a service needs from the outside world, built once per process (or per test). */
export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  /** Reads that may be stale, routed so that each caller still reads their own writes. */
  readonly reads: Reads;
  readonly state: SharedState;
  /** Effective permissions per user, invalidated across nodes. */
  readonly access: AccessCache;
  /** Scheduled jobs; modules register theirs while the app is built, the app starts them when ready. */
  readonly jobs: JobRunner;
  readonly version: string;
  readonly startedAt: number;
}

export async function createContext(config: Config, database?: Database): Promise<AppContext> {
  const state = config.REDIS_URL ? createRedisState(config.REDIS_URL, config.REDIS_KEY_PREFIX) : createMemoryState();
  const access = createAccessCache(state);
  await access.ready;
  const db = database ?? (await openDatabase(config));
  return {
    config,
    database: db,
    reads: createReads(db, state, config.REPLICA_MAX_LAG),
    state,
    access,
    jobs: createJobRunner(db, {
      connectionString: db.kind === 'postgres' ? config.DATABASE_URL : undefined,
      enabled: config.JOBS_ENABLED,
    }),
    version: tesseraVersion,
    startedAt: Date.now(),
  };
}

export async function closeContext(context: AppContext): Promise<void> {
  await context.state.close();
  await context.database.close();
}
