import { systemCaller } from '../platform/caller.js';
import type { CommandRuntime } from './runtime.js';

export interface ImportInput {
  /** Absolute: the command may run in the server's process, whose working directory is not the CLI's. */
  file: string;
  dryRun?: boolean;
  update?: boolean;
  invite?: boolean;
  skipInvalid?: boolean;
}

const MAX_PRINTED_ERRORS = 200;

/**
 * `tessera import`: users from another system (a data migration), as the system itself. Exit
 * code 1 when any line is invalid (nothing is written, unless --skip-invalid) or a user could not be
 * written; the summary and each error (line and field) are printed either way.
 */
export function importUsers({ file, ...options }: ImportInput, { withModules, io }: CommandRuntime): Promise<number> {
  // Its updates must reach every node's cached access, unlike create-admin's new user.
  return withModules(async ({ importer }) => {
    const summary = await importer.importFile(systemCaller('tessera-import'), file, options, io.progress());
    for (const error of summary.errors.slice(0, MAX_PRINTED_ERRORS)) io.err(`line ${error.line}: ${error.field}: ${error.message}\n`);
    if (summary.failed > MAX_PRINTED_ERRORS) io.err(`… and more: ${summary.failed} lines failed in all\n`);
    const verb = summary.dryRun ? 'would import' : summary.rejected ? 'imported nothing' : 'imported';
    io.out(
      `${verb}: created ${summary.created}, updated ${summary.updated}, skipped ${summary.skipped}, failed ${summary.failed}, invited ${summary.invited}`,
    );
    const invalidTolerated = options.skipInvalid && !summary.dryRun;
    return summary.rejected || (summary.failed > 0 && !invalidTolerated) ? 1 : 0;
  });
}
