import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Modules } from '../modules/index.js';

/**
 * The API's own use cases (audit rows, events and their effects included), wired on this process for one
 * command. Loaded on demand: the other commands do not pay for wiring the whole app.
 */
export async function withModules<T>(database: Database, config: Config, fn: (modules: Modules) => Promise<T>): Promise<T> {
  const [{ createContext }, { createModules }, { default: pino }] = await Promise.all([
    import('../context.js'),
    import('../modules/index.js'),
    import('pino'),
  ]);
  const context = await createContext(config, database);
  try {
    return await fn(await createModules(context, pino({ enabled: false })));
  } finally {
    await context.state.close();
  }
}
