import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { systemCaller } from '../platform/caller.js';
import { withModules } from './modules.js';
import { progressReporter } from './progress.js';

interface ImportFlags {
  file: string;
  dryRun?: boolean;
  update?: boolean;
  invite?: boolean;
  skipInvalid?: boolean;
}

const MAX_PRINTED_ERRORS = 200;

/**
 * `tessera import`: users from another system (seed 002's data migration), as the system itself. Exit
 * code 1 when any line is invalid (nothing is written, unless --skip-invalid) or a user could not be
 * written; the summary and each error (line and field) are printed either way.
 */
export function registerImportCommand(program: Command, withDatabase: <T>(fn: (database: Database) => Promise<T>) => Promise<T>) {
  program
    .command('import')
    .description('import users from a JSON Lines or CSV file (see the README); a file with an invalid line writes nothing')
    .requiredOption('--file <file>', 'the file (.jsonl/.ndjson or .csv)')
    .option('--dry-run', 'validate only; write nothing')
    .option('--update', 'overwrite users whose email exists (default: skip them)')
    .option('--invite', 'mail a set-password invitation to users imported without a usable password')
    .option('--skip-invalid', 'import the valid lines and list the invalid ones')
    .action(({ file, ...options }: ImportFlags) =>
      withDatabase((database) =>
        // Its updates must reach every node's cached access: Redis stays configured, unlike create-admin.
        withModules(database, loadConfig(), async ({ importer }) => {
          const summary = await importer.importFile(systemCaller('tessera-import'), file, options, progressReporter());
          for (const error of summary.errors.slice(0, MAX_PRINTED_ERRORS)) {
            process.stderr.write(`line ${error.line}: ${error.field}: ${error.message}\n`);
          }
          if (summary.failed > MAX_PRINTED_ERRORS) process.stderr.write(`… and more: ${summary.failed} lines failed in all\n`);
          const verb = summary.dryRun ? 'would import' : summary.rejected ? 'imported nothing' : 'imported';
          process.stdout.write(
            `${verb}: created ${summary.created}, updated ${summary.updated}, skipped ${summary.skipped}, failed ${summary.failed}, invited ${summary.invited}\n`,
          );
          const invalidTolerated = options.skipInvalid && !summary.dryRun;
          if (summary.rejected || (summary.failed > 0 && !invalidTolerated)) process.exitCode = 1;
        }),
      ),
    );
}
