import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from './context.js';
import { migrateUp } from './db/migrator.js';
import { ensureSomePreset } from './modules/index.js';
import { assertBootstrapPasswordAccepted } from './platform/password-policy.js';

/** Brings a database to a usable state at start: migrations and a role preset (the users module then makes the bootstrap admin). */
export async function prepareDatabase(context: AppContext, log: Pick<FastifyBaseLogger, 'info'>): Promise<void> {
  const { config, database } = context;
  assertBootstrapPasswordAccepted(config);
  if (config.AUTO_MIGRATE) {
    const applied = await migrateUp(database);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  }
  if (await ensureSomePreset(database.primary, config.DEFAULT_PRESET)) log.info({ preset: config.DEFAULT_PRESET }, 'role preset seeded');
}
