import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { assertReadableBackup, BackupError, type BackupHeader, backupDatabase, restoreDatabase } from '../db/backup.js';
import type { Database } from '../db/client.js';
import { MigrationError, migrateDown, migrateUp, migrationStatus, pendingMigrations } from '../db/migrator.js';
import type { PresetName } from '../modules/access/service.js';
import { systemCaller } from '../platform/caller.js';
import { embeddedSecretSource } from '../platform/embedded-secret.js';
import { FileAccessError } from '../platform/opened-file.js';
import { passwordProblems } from '../platform/password-policy.js';
import { EmptyImportError, type ImportInput, importUsers, refuseEmptyFile } from './import.js';
import { Interrupted } from './interruption.js';
import { describeLastBackup, recordBackup } from './recovery.js';
import { ResetIncompleteError, resetDatabase } from './reset.js';
import { ResetRefusedError } from './reset-confirm.js';
import type { CommandRuntime } from './runtime.js';

/**
 * A command that needs the database, with its arguments already gathered (password read, paths made
 * absolute), so it runs the same wherever it runs. It answers its exit code.
 */
export interface DatabaseCommand<Input> {
  /** May run through a running server; false for those that must not run under a live service. */
  live: boolean;
  /** Runs on a database whose migrations are not all applied (otherwise the CLI asks for `migrate up` first). */
  unmigrated?: boolean;
  /** Opens no replica: their lag probes would add connections of its own to the ones `migrate reset` counts. */
  primaryOnly?: boolean;
  /** Run in the CLI's process, it takes `runtime.stop`: interrupted, it stops cleanly and says how far it got (exit 130/143). */
  stoppable?: boolean;
  /**
   * Refuses in the CLI's process, before the database opens, what is wrong without it (the file named): a mistyped
   * path is answered at once, not after the embedded engine starts or a remote database answers.
   */
  refuseEarly?(input: Input): Promise<void>;
  run(input: Input, runtime: CommandRuntime): Promise<number>;
}

// The modules a command uses are loaded when it runs: `tessera --help` or `migrate status` need none of them.
const authService = () => import('../modules/auth/service.js');

const totalRows = (header: BackupHeader) => Object.values(header.tables).reduce((sum, count) => sum + count, 0);

/** What the backup holds of the signing keys: an operator must know whether the file is as secret as the keys. */
async function describeKeysInBackup(database: Database, config: Config): Promise<string> {
  const { sealed, plain } = await (await authService()).signingKeyStorage(database.primary);
  const secret = embeddedSecretSource(config) ?? 'SIGNING_KEY_SECRET';
  if (plain > 0) return `contains: ${plain} signing keys in plain PEM (${sealed} sealed): keep this file as secret as the keys themselves`;
  return `contains: ${sealed} signing keys, sealed under ${secret}: keep a copy of it apart from this file, a restore elsewhere needs it`;
}

/** What `audit verify` says of erased rows: erased, not tampered, and how many of them only keep their link. */
function erasedRows({ erased, erasedLinkOnly }: { erased: number; erasedLinkOnly: number }) {
  if (erased === 0) return '';
  const linkOnly = erasedLinkOnly > 0 ? `, ${erasedLinkOnly} of them hashed over what was erased: content erased, link holds` : '';
  return `, ${erased} erased for a person${linkOnly}`;
}

const command = <Input>(definition: DatabaseCommand<Input>) => definition;

export const databaseCommands = {
  'migrate up': command<Record<string, never>>({
    live: true,
    unmigrated: true,
    async run(_, { database, io }) {
      const applied = await migrateUp(database);
      io.out(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'nothing to apply: the database is up to date');
      return 0;
    },
  }),
  'migrate down': command<Record<string, never>>({
    live: false,
    unmigrated: true,
    async run(_, { database, io }) {
      const name = await migrateDown(database);
      io.out(name ? `rolled back: ${name}` : 'nothing to roll back');
      return 0;
    },
  }),
  'migrate reset': command<Record<string, never>>({ live: false, unmigrated: true, primaryOnly: true, run: resetDatabase }),
  'migrate status': command<Record<string, never>>({
    live: true,
    unmigrated: true,
    async run(_, { database, io }) {
      for (const state of await migrationStatus(database)) {
        io.out(`${state.appliedAt ? 'applied' : 'pending'}  ${state.name}${state.appliedAt ? `  ${state.appliedAt.toISOString()}` : ''}`);
      }
      return 0;
    },
  }),
  seed: command<{ preset: PresetName }>({
    live: true,
    async run({ preset }, { database, io }) {
      const { seedPreset } = await import('../modules/index.js');
      const { roles } = await seedPreset(database.primary, preset);
      io.out(`preset ${preset} applied: ${roles} roles`);
      return 0;
    },
  }),
  'create-admin': command<{ email: string; password: string }>({
    live: true,
    async run({ email, password }, { config, withModules, io }) {
      const refused = passwordProblems(password, config.PASSWORD_MIN_LENGTH, { email });
      if (refused.length > 0) throw new Error(`the password ${refused.join(', ')}`);
      // A new user has nothing cached anywhere: no other node to tell.
      await withModules(
        async ({ users }) => {
          const user = await users.createSuperAdmin(systemCaller('tessera-cli'), { email, password });
          io.out(`super-admin created: ${user.email} (${user.id})`);
        },
        { tellOtherNodes: false },
      );
      return 0;
    },
  }),
  backup: command<{ file: string; force: boolean }>({
    live: true,
    stoppable: true,
    async refuseEarly({ file, force }) {
      if (!force && existsSync(file)) throw new BackupError(`${file} exists: name another file, or pass --force to overwrite it`);
    },
    async run({ file }, { database, config, io, stop }) {
      let header: BackupHeader;
      try {
        header = await backupDatabase(database, file, io.progress(), stop);
      } catch (error) {
        if (!(error instanceof Interrupted)) throw error;
        io.err(`tessera: backup interrupted: nothing was written to ${file}\n`);
        return error.exitCode;
      }
      if (database.kind === 'pglite') recordBackup(config.DATA_DIR, file, header);
      io.out(`backup written: ${file} (${totalRows(header)} rows, ${Object.keys(header.tables).length} tables)`);
      io.out(await describeKeysInBackup(database, config));
      return 0;
    },
  }),
  restore: command<{ file: string }>({
    live: false,
    unmigrated: true,
    refuseEarly: ({ file }) => assertReadableBackup(file),
    async run({ file }, { database, io }) {
      const header = await restoreDatabase(database, file, io.progress());
      io.out(`restored ${totalRows(header)} rows from ${file} (taken ${header.createdAt})`);
      return 0;
    },
  }),
  'keys rotate': command<Record<string, never>>({
    live: true,
    async run(_, { database, config, io }) {
      const kid = await (await authService()).rotateSigningKey(database.primary, config);
      io.out(`new signing key active: ${kid}`);
      return 0;
    },
  }),
  import: command<ImportInput>({ live: true, stoppable: true, refuseEarly: ({ file }) => refuseEmptyFile(file), run: importUsers }),
  doctor: command<Record<string, never>>({
    live: true,
    unmigrated: true,
    async run(_, { database, config, io }) {
      // Opening PostgreSQL makes a pool, which connects on its first query: this one says whether it opens.
      const pending = await pendingMigrations(database);
      io.out(`database: opens (${database.kind === 'pglite' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL'})`);
      io.out(
        pending.length === 0
          ? 'migrations: all applied'
          : `migrations: ${pending.length} pending (${pending.join(', ')}): run \`tessera migrate up\` (a start does it too, unless AUTO_MIGRATE=false)`,
      );
      if (database.kind === 'pglite')
        io.out(`last backup: ${describeLastBackup(config.DATA_DIR) ?? 'none recorded: take one with `tessera backup --out FILE`'}`);
      return pending.length === 0 ? 0 : 1;
    },
  }),
  'audit verify': command<Record<string, never>>({
    live: true,
    async run(_, { database, io }) {
      const { verifyAuditChain } = await import('../modules/audit/service.js');
      const report = await verifyAuditChain(database.primary);
      const waiting = report.unsealed > 0 ? `; ${report.unsealed} rows waiting to be sealed` : '';
      if (report.valid) {
        io.out(`audit chain intact: ${report.checked} rows${erasedRows(report)}${waiting}`);
        return 0;
      }
      if (report.firstBrokenId === undefined) io.out(`audit trail not intact: ${report.reason}${waiting}`);
      else
        io.out(
          `audit chain broken at row ${report.firstBrokenId}: ${report.reason} (${report.checked} rows before it are intact)${waiting}`,
        );
      return 2;
    },
  }),
};

export type CommandName = keyof typeof databaseCommands;
export type CommandInput<Name extends CommandName> = Parameters<(typeof databaseCommands)[Name]['run']>[0];

export const isCommandName = (name: unknown): name is CommandName => typeof name === 'string' && Object.hasOwn(databaseCommands, name);

/** The database is not at the migrations this code needs: a command would fail on missing tables. */
export class UnmigratedError extends Error {}

/** What a command refuses before the database opens (`refuseEarly`), if it refuses anything. */
export async function refuseBeforeOpening<Name extends CommandName>(name: Name, input: CommandInput<Name>): Promise<void> {
  await (databaseCommands[name] as DatabaseCommand<CommandInput<Name>>).refuseEarly?.(input);
}

/** Runs a command on a runtime, after checking the database is migrated where the command needs it. */
export async function runDatabaseCommand<Name extends CommandName>(
  name: Name,
  input: CommandInput<Name>,
  runtime: CommandRuntime,
): Promise<number> {
  const definition = databaseCommands[name] as DatabaseCommand<CommandInput<Name>>;
  if (!definition.unmigrated) {
    const pending = await pendingMigrations(runtime.database);
    if (pending.length > 0) {
      throw new UnmigratedError(
        `the database is not set up for this version (${pending.length} pending migrations): run \`tessera migrate up\` first`,
      );
    }
  }
  return definition.run(input, runtime);
}

export const isExpectedFailure = (error: unknown) =>
  [BackupError, FileAccessError, EmptyImportError, MigrationError, UnmigratedError, ResetRefusedError, ResetIncompleteError].some(
    (type) => error instanceof type,
  );
