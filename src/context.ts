import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/client.js';
import { createMemoryState, createRedisState, type SharedState } from './platform/shared-state.js';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Everything a service needs from the outside world, built once per process (or per test). */
export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly state: SharedState;
  readonly version: string;
  readonly startedAt: number;
}

export async function createContext(config: Config, database?: Database): Promise<AppContext> {
  return {
    config,
    database: database ?? (await openDatabase(config)),
    state: config.REDIS_URL ? createRedisState(config.REDIS_URL) : createMemoryState(),
    version: packageJson.version,
    startedAt: Date.now(),
  };
}

export async function closeContext(context: AppContext): Promise<void> {
  await context.state.close();
  await context.database.close();
}
