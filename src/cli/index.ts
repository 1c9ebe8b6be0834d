import { spawnSync } from 'node:child_process';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { BackupError, type BackupHeader, backupDatabase, restoreDatabase } from '../db/backup.js';
import { type Database, openDatabase } from '../db/client.js';
import { MigrationError, migrateDown, migrateUp, migrationStatus } from '../db/migrator.js';
import { AppError } from '../http/errors.js';
import { toAppError } from '../http/problem.js';
import { type PresetName, presetNames } from '../modules/access/presets.js';
import { seedPreset } from '../modules/access/service.js';
import { verifyAuditChain } from '../modules/audit/service.js';
import { rotateSigningKey } from '../modules/auth/signing-keys.js';
import { systemCaller } from '../platform/caller.js';
import { passwordProblems } from '../platform/password-policy.js';
import { registerImportCommand } from './import.js';
import { withModules } from './modules.js';
import { progressReporter } from './progress.js';
import { readPassword } from './prompt.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const totalRows = (header: BackupHeader) => Object.values(header.tables).reduce((sum, count) => sum + count, 0);

/** Opens the configured database for one command and always closes it. */
async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig());
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** Every failure ends as one readable line and exit code 1. */
function describe(error: unknown): string {
  if (error instanceof ConfigError || error instanceof BackupError || error instanceof MigrationError) return error.message;
  const appError = error instanceof AppError ? error : toAppError(error);
  if (appError.code === 'DATABASE_UNAVAILABLE') {
    const url = process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL) : undefined;
    return `cannot reach the database${url ? ` at ${url.hostname}:${url.port || 5432}` : ''}`;
  }
  if (appError.status < 500) return appError.detail;
  return error instanceof Error ? error.message : String(error);
}

const program = new Command('tessera')
  .description('Tessera user management service')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command('serve')
  .description('run the HTTP API (migrates and seeds the default preset first, unless AUTO_MIGRATE=false)')
  .action(async () => {
    const { serve } = await import('../main.js');
    await serve();
  });

const migrate = program.command('migrate').description('database migrations');
migrate
  .command('up', { isDefault: true })
  .alias('deploy')
  .description('apply every pending migration')
  .action(() =>
    withDatabase(async (database) => {
      const applied = await migrateUp(database);
      out(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'nothing to apply: the database is up to date');
    }),
  );
migrate
  .command('down')
  .alias('rollback')
  .description('roll back the most recently applied migration')
  .action(() =>
    withDatabase(async (database) => {
      const name = await migrateDown(database);
      out(name ? `rolled back: ${name}` : 'nothing to roll back');
    }),
  );
migrate
  .command('status')
  .description('list migrations, applied and pending')
  .action(() =>
    withDatabase(async (database) => {
      for (const state of await migrationStatus(database)) {
        out(`${state.appliedAt ? 'applied' : 'pending'}  ${state.name}${state.appliedAt ? `  ${state.appliedAt.toISOString()}` : ''}`);
      }
    }),
  );
migrate
  .command('generate')
  .description('generate a migration from changes to src/db/schema (then write its NAME.down.sql)')
  .requiredOption('--name <name>', 'migration name, e.g. add_user_nickname')
  .action(({ name }: { name: string }) => {
    const result = spawnSync('npx', ['drizzle-kit', 'generate', '--name', name], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error('drizzle-kit generate failed');
    out('now write the matching .down.sql beside the new migration: rollback refuses a migration without one');
  });

const presetOption = new Option('--preset <name>', 'which preset').choices(presetNames).makeOptionMandatory();
program
  .command('seed')
  .description('add the roles, permissions, user types and plans of a preset (idempotent)')
  .addOption(presetOption)
  .action(({ preset }: { preset: PresetName }) =>
    withDatabase(async (database) => {
      const { roles } = await seedPreset(database.primary, preset);
      out(`preset ${preset} applied: ${roles} roles`);
    }),
  );

const emailArgument = (value: string) => {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) throw new InvalidArgumentError('not an email address');
  return value;
};
program
  .command('create-admin')
  .description('create a super-admin user')
  .requiredOption('--email <email>', 'their email', emailArgument)
  .option('--password-stdin', 'read the password from stdin (otherwise it is asked for in the terminal)')
  .action(({ email, passwordStdin }: { email: string; passwordStdin?: boolean }) =>
    withDatabase(async (database) => {
      const config = loadConfig();
      const password = await readPassword(passwordStdin ?? false);
      const refused = passwordProblems(password, config.PASSWORD_MIN_LENGTH, [email]);
      if (refused.length > 0) throw new Error(`the password ${refused.join(', ')}`);
      // The API's own use case, on this process alone: no other node to tell.
      await withModules(database, { ...config, REDIS_URL: undefined }, async ({ users }) => {
        const user = await users.createSuperAdmin(systemCaller('tessera-cli'), { email, password });
        out(`super-admin created: ${user.email} (${user.id})`);
      });
    }),
  );

program
  .command('backup')
  .description('write a consistent backup of every table to a file (gzip, JSON lines)')
  .requiredOption('--out <file>', 'where to write it')
  .action(({ out: file }: { out: string }) =>
    withDatabase(async (database) => {
      const header = await backupDatabase(database, file, progressReporter());
      out(`backup written: ${file} (${totalRows(header)} rows, ${Object.keys(header.tables).length} tables)`);
    }),
  );

program
  .command('restore')
  .description('restore a backup into an empty database')
  .requiredOption('--in <file>', 'the backup file')
  .action(({ in: file }: { in: string }) =>
    withDatabase(async (database) => {
      const header = await restoreDatabase(database, file, progressReporter());
      out(`restored ${totalRows(header)} rows from ${file} (taken ${header.createdAt})`);
    }),
  );

const keys = program.command('keys').description('access-token signing keys');
keys
  .command('rotate')
  .description('make a new signing key active; the old one stays published for SIGNING_KEY_OVERLAP')
  .action(() =>
    withDatabase(async (database) => {
      const kid = await rotateSigningKey(database.primary, loadConfig());
      out(`new signing key active: ${kid}`);
    }),
  );

registerImportCommand(program, withDatabase);

const audit = program.command('audit').description('audit log tools');
audit
  .command('verify')
  .description('check the sealed audit hash chain, report the first broken row and how many rows wait to be sealed')
  .action(() =>
    withDatabase(async (database) => {
      const report = await verifyAuditChain(database.primary);
      const waiting = report.unsealed > 0 ? `; ${report.unsealed} rows waiting to be sealed` : '';
      if (report.valid) {
        out(`audit chain intact: ${report.checked} rows${waiting}`);
        return;
      }
      out(`audit chain broken at row ${report.firstBrokenId}: ${report.reason} (${report.checked} rows before it are intact)${waiting}`);
      process.exitCode = 2;
    }),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`tessera: error: ${describe(error)}\n`);
  process.exit(1);
}
