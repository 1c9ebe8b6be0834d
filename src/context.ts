import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { type AccessCache, createAccessCache } from './modules/access/effective.js';
import { createMemoryState, createRedisState, type SharedState } from './platform/shared-state.js';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Everything a service needs from the outside world, built once per process (or per test). */
export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly state: SharedState;
  /** Effective permissions per user, invalidated across nodes. */
  readonly access: AccessCache;
  readonly version: string;
  readonly startedAt: number;
}

export async function createContext(config: Config, database?: Database): Promise<AppContext> {
  const state = config.REDIS_URL ? createRedisState(config.REDIS_URL, config.REDIS_KEY_PREFIX) : createMemoryState();
  const access = createAccessCache(state);
  await access.ready;
  return {
    config,
    database: database ?? (await openDatabase(config)),
    state,
    access,
    version: packageJson.version,
    startedAt: Date.now(),
  };
}

export async function closeContext(context: AppContext): Promise<void> {
  await context.state.close();
  await context.database.close();
}
