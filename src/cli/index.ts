import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Command, Help, InvalidArgumentError, Option } from 'commander';
import { type Config, loadConfig } from '../config.js';
import { type Database, openDatabase } from '../db/client.js';
import { DirectoryLockedError } from '../db/dir-lock.js';
import { isEmailAddress } from '../http/formats.js';
import { type PresetName, presetNames } from '../modules/access/service.js';
import { withEmbeddedSecret } from '../platform/embedded-secret.js';
import { tesseraVersion } from '../platform/version.js';
import { type CommandInput, type CommandName, databaseCommands, refuseBeforeOpening, runDatabaseCommand } from './commands.js';
import { runThroughServer } from './control.js';
import { failureLine, HeldDirectoryError } from './failure.js';
import { stoppable } from './interruption.js';
import { withModules } from './modules.js';
import { progressReporter } from './progress.js';
import { readPassword } from './prompt.js';
import { describeLock } from './recovery.js';
import { confirmReset } from './reset-confirm.js';
import type { CommandIo, CommandRuntime } from './runtime.js';

const terminal: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (text) => process.stderr.write(text),
  progress: () => progressReporter(),
};

function runtimeHere(database: Database, config: Config, stop?: AbortSignal): CommandRuntime {
  return {
    stop,
    database,
    config,
    // Wired on this process for this one command.
    withModules: (fn, { tellOtherNodes } = { tellOtherNodes: true }) =>
      withModules(database, tellOtherNodes ? config : { ...config, REDIS_URL: undefined }, fn),
    io: terminal,
  };
}

/** A command that stops cleanly gets a `stop` the operator's SIGINT or SIGTERM aborts; any other runs without one. */
const stoppableIf = <T>(name: CommandName, work: (stop?: AbortSignal) => Promise<T>) =>
  databaseCommands[name].stoppable ? stoppable(work) : work(undefined);

/** The directory is held: the server holding it runs the command, or the command is refused with who holds it. */
async function runWhereHeld<Name extends CommandName>(name: Name, input: CommandInput<Name>, config: Config, locked: DirectoryLockedError) {
  const { pid, command } = locked.holder;
  const holder = `DATA_DIR ${config.DATA_DIR} is held by \`tessera ${command}\` (pid ${pid})`;
  if (!databaseCommands[name].live) {
    throw new HeldDirectoryError(`${holder}: \`tessera ${name}\` must not run next to it; stop it first, then run this again`);
  }
  const exit = await stoppableIf(name, (stop) => runThroughServer(config.DATA_DIR, { command: name, input }, terminal, stop));
  if (exit === undefined) throw new HeldDirectoryError(`${holder}: wait for it to finish (or stop it), then run this again`);
  return exit;
}

/**
 * Runs a database command here on the configured database; on an embedded directory a running server
 * holds, through that server (or refused), since a second opener would destroy the directory.
 */
async function execute<Name extends CommandName>(name: Name, input: CommandInput<Name>): Promise<void> {
  const config = withEmbeddedSecret(loadConfig());
  await refuseBeforeOpening(name, input);
  let database: Database;
  try {
    database = await openDatabase(databaseCommands[name].primaryOnly ? { ...config, DATABASE_REPLICA_URLS: [] } : config);
  } catch (error) {
    if (!(error instanceof DirectoryLockedError)) throw error;
    process.exitCode = await runWhereHeld(name, input, config, error);
    return;
  }
  try {
    process.exitCode = await stoppableIf(name, (stop) => runDatabaseCommand(name, input, runtimeHere(database, config, stop)));
  } finally {
    await database.close();
  }
}

const noInput = {} as Record<string, never>;

const program = new Command('tessera')
  .description('Tessera user management service')
  .version(tesseraVersion, '-v, --version', 'print the version')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) })
  // `--help` marks the options a command cannot run without (every subcommand inherits this).
  .configureHelp({
    optionDescription(option) {
      const description = Help.prototype.optionDescription.call(this, option);
      return option.mandatory ? `${description} (required)` : description;
    },
  });

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
  .action(() => execute('migrate up', noInput));
migrate
  .command('down')
  .alias('rollback')
  .description('roll back the most recently applied migration')
  .action(() => execute('migrate down', noInput));
migrate
  .command('reset')
  .description('drop every table and its data, apply every migration again, seed DEFAULT_PRESET (development only)')
  .option('--force', 'reset without asking (required when there is no terminal to ask in)')
  .action(async ({ force }: { force?: boolean }) => {
    // Asked before the database is opened: a refusal or a "no" leaves everything as it was.
    await confirmReset(loadConfig(), force ?? false);
    return execute('migrate reset', noInput);
  });
migrate
  .command('status')
  .description('list migrations, applied and pending')
  .action(() => execute('migrate status', noInput));
migrate
  .command('generate')
  .description('generate a migration from changes to src/db/schema (then write its NAME.down.sql)')
  .requiredOption('--name <name>', 'migration name, e.g. add_user_nickname')
  .action(({ name }: { name: string }) => {
    const result = spawnSync('npx', ['drizzle-kit', 'generate', '--name', name], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error('drizzle-kit generate failed');
    terminal.out('now write the matching .down.sql beside the new migration: rollback refuses a migration without one');
  });

const presetOption = new Option('--preset <name>', 'which preset (default: DEFAULT_PRESET, as a first start seeds)').choices(presetNames);
program
  .command('seed')
  .description('add the roles, permissions, user types and plans of a preset (idempotent)')
  .addOption(presetOption)
  .action(({ preset }: { preset?: PresetName }) => execute('seed', { preset: preset ?? loadConfig().DEFAULT_PRESET }));

const emailArgument = (value: string) => {
  if (!isEmailAddress(value)) throw new InvalidArgumentError('not an email address');
  return value;
};
program
  .command('create-admin')
  .description('create a super-admin user')
  .requiredOption('--email <email>', 'their email', emailArgument)
  .option('--password-stdin', 'read the password from stdin (otherwise it is asked for in the terminal)')
  .action(async ({ email, passwordStdin }: { email: string; passwordStdin?: boolean }) =>
    execute('create-admin', { email, password: await readPassword(passwordStdin ?? false) }),
  );

// Paths are made absolute here: a command may run in the server's process, whose working directory differs.
program
  .command('backup')
  .description('write a consistent backup of every table to a file (gzip, JSON lines)')
  .requiredOption('--out <file>', 'where to write it')
  .option('--force', 'overwrite the file if it exists')
  .action(({ out, force }: { out: string; force?: boolean }) => execute('backup', { file: resolve(out), force: force ?? false }));

program
  .command('restore')
  .description('restore a backup into an empty database')
  .requiredOption('--in <file>', 'the backup file')
  .action(({ in: file }: { in: string }) => execute('restore', { file: resolve(file) }));

const keys = program.command('keys').description('access-token signing keys');
keys
  .command('rotate')
  .description('make a new signing key active; the old one stays published for SIGNING_KEY_OVERLAP')
  .action(() => execute('keys rotate', noInput));

program
  .command('import')
  .description('import users from a JSON Lines or CSV file (see docs/onboarding.md); a file with an invalid line writes nothing')
  .requiredOption('--file <file>', 'the file (.jsonl/.ndjson or .csv)')
  .option('--dry-run', 'validate only; write nothing')
  .option('--update', 'overwrite users whose email exists (default: skip them)')
  .option('--invite', 'mail a set-password invitation to users imported without a usable password')
  .option('--skip-invalid', 'import the valid lines and list the invalid ones')
  .action(({ file, ...options }: CommandInput<'import'>) => execute('import', { file: resolve(file), ...options }));

program
  .command('doctor')
  .description('check the data directory: who holds it, whether it opens, its migrations, the last backup')
  .action(() => {
    const config = loadConfig();
    if (!config.DATABASE_URL) terminal.out(describeLock(config.DATA_DIR));
    return execute('doctor', noInput);
  });

const audit = program.command('audit').description('audit log tools');
audit
  .command('verify')
  .description('check the sealed audit hash chain, report the first broken row and how many rows wait to be sealed')
  .action(() => execute('audit verify', noInput));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(failureLine(error));
  process.exit(1);
}
