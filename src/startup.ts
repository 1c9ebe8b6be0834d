import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from './context.js';
import { migrateUp } from './db/migrator.js';
import { ensureSomePreset } from './modules/access/service.js';
import { countUsers, createSuperAdmin } from './modules/users/service.js';

/** Brings a database to a usable state at start: migrations, a role preset, the bootstrap admin. */
export async function prepareDatabase(context: AppContext, log: Pick<FastifyBaseLogger, 'info'>): Promise<void> {
  const { config, database } = context;
  if (config.AUTO_MIGRATE) {
    const applied = await migrateUp(database);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  }
  if (await ensureSomePreset(database.primary, config.DEFAULT_PRESET)) log.info({ preset: config.DEFAULT_PRESET }, 'role preset seeded');
  if (config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD && (await countUsers(database.primary)) === 0) {
    await createSuperAdmin(database.primary, { email: config.BOOTSTRAP_ADMIN_EMAIL, password: config.BOOTSTRAP_ADMIN_PASSWORD }, {});
    log.info({ email: config.BOOTSTRAP_ADMIN_EMAIL }, 'bootstrap super-admin created');
  }
}
