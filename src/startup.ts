import type { FastifyBaseLogger } from 'fastify';
import { ConfigError } from './config.js';
import type { AppContext } from './context.js';
import { migrateUp } from './db/migrator.js';
import { ensureSomePreset } from './modules/index.js';
import { passwordProblems } from './platform/password-policy.js';

/** Brings a database to a usable state at start: migrations and a role preset (the users module then makes the bootstrap admin). */
export async function prepareDatabase(context: AppContext, log: Pick<FastifyBaseLogger, 'info'>): Promise<void> {
  const { config, database } = context;
  // The first admin's password meets the policy every other password meets.
  const refused = config.BOOTSTRAP_ADMIN_PASSWORD
    ? passwordProblems(config.BOOTSTRAP_ADMIN_PASSWORD, config.PASSWORD_MIN_LENGTH, [config.BOOTSTRAP_ADMIN_EMAIL ?? ''])
    : [];
  if (refused.length > 0) throw new ConfigError(`Invalid configuration: BOOTSTRAP_ADMIN_PASSWORD ${refused.join(', ')}`);
  if (config.AUTO_MIGRATE) {
    const applied = await migrateUp(database);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  }
  if (await ensureSomePreset(database.primary, config.DEFAULT_PRESET)) log.info({ preset: config.DEFAULT_PRESET }, 'role preset seeded');
}
