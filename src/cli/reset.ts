import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/client.js';
import { migrateReset, type ResetStep } from '../db/migrator.js';
import { assertBootstrapPasswordAccepted } from '../platform/password-policy.js';
import { describeResetTarget, ResetRefusedError } from './reset-confirm.js';
import type { CommandIo, CommandRuntime } from './runtime.js';

/** The reset itself committed, but a step a first start takes after it failed: said, with what to run. */
export class ResetIncompleteError extends Error {}

/**
 * On PostgreSQL nothing like the embedded directory's lock says a server is running: a node holds pooled
 * connections (and its job runner's, `pgboss`), so any other client connection to the database refuses the
 * reset, which would otherwise drop the tables under it. Checked as the reset starts.
 */
async function assertNoOtherConnections(database: Database, target: string) {
  const others = await database.withSession((session) =>
    session.query<{ application_name: string }>(
      `SELECT application_name FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    ),
  );
  if (others.length === 0) return;
  const names = [...new Set(others.map((row) => row.application_name).filter(Boolean))];
  throw new ResetRefusedError(
    `${others.length} other ${others.length === 1 ? 'connection' : 'connections'} to ${target}${names.length > 0 ? ` (${names.join(', ')})` : ''}: a running Tessera node or another client; stop them first, then run this again`,
  );
}

const stepLine = (step: ResetStep, names: string[]) =>
  step === 'emptied' ? `emptied: ${names.length} tables` : `${step}: ${names.join(', ')}`;

/** ensureBootstrapAdmin reports as a server logs; here each of its lines is a line of output. */
function outputLog(io: CommandIo): Pick<FastifyBaseLogger, 'info' | 'warn'> {
  const line = (first: unknown, message?: string) => {
    const fields = typeof first === 'object' && first ? Object.values(first).join(', ') : '';
    io.out(typeof first === 'string' ? first : `${message}${fields ? `: ${fields}` : ''}`);
  };
  return { info: line, warn: line } as Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

/** A first start's step after the reset committed: a failure says what the database now is and what to run. */
async function afterReset<T>(state: string, doing: string, remedy: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new ResetIncompleteError(`${state}, but ${doing} failed (${error instanceof Error ? error.message : error}): ${remedy}`, {
      cause: error,
    });
  }
}

/**
 * `tessera migrate reset`: every table and its rows dropped, every migration applied again, then what a first
 * start does (src/startup.ts, src/main.ts): the default preset, and the bootstrap admin when BOOTSTRAP_ADMIN_*
 * are set. Never through a running server (`live: false`): the server would keep running on dropped tables.
 */
export async function resetDatabase(_: Record<string, never>, { database, config, withModules, io }: CommandRuntime): Promise<number> {
  const target = describeResetTarget(config);
  // Checked before anything is dropped: the first start's step after the reset would refuse it with the data gone.
  assertBootstrapPasswordAccepted(config);
  if (database.kind === 'postgres') await assertNoOtherConnections(database, target);
  io.out(`resetting ${target}`);
  const { JOBS_SCHEMA } = await import('../platform/jobs.js');
  await migrateReset(database, { alsoDrop: [JOBS_SCHEMA], onStep: (step, names) => io.out(stepLine(step, names)) });
  io.out('committed: every table dropped and made again, every migration applied');

  const preset = config.DEFAULT_PRESET;
  const { seedPreset } = await import('../modules/index.js');
  const { roles } = await afterReset(
    'the database is reset and migrated',
    `seeding the preset ${preset}`,
    `run \`tessera seed --preset ${preset}\``,
    () => seedPreset(database.primary, preset),
  );
  io.out(`preset ${preset} seeded: ${roles} roles`);
  // A new user has nothing cached anywhere: no other node to tell.
  await afterReset(
    `the database is reset, migrated and seeded with ${preset}`,
    'making the bootstrap admin',
    'run `tessera create-admin --email E`',
    () => withModules(({ users }) => users.ensureBootstrapAdmin(outputLog(io)), { tellOtherNodes: false }),
  );
  io.out(`reset done: ${target}`);
  return 0;
}
