import { createReadStream } from 'node:fs';
import type { ImportOutcome } from '../modules/import/service.js';
import { systemCaller } from '../platform/caller.js';
import { opened } from '../platform/opened-file.js';
import { Interrupted } from './interruption.js';
import type { CommandIo, CommandRuntime } from './runtime.js';

export interface ImportInput {
  /** Absolute: the command may run in the server's process, whose working directory is not the CLI's. */
  file: string;
  dryRun?: boolean;
  update?: boolean;
  invite?: boolean;
  skipInvalid?: boolean;
}

const MAX_PRINTED_ERRORS = 200;

/** An import file that holds no users: nothing is imported, and the run is not taken for a success. */
export class EmptyImportError extends Error {}

/** A file that cannot be read, or holds nothing but blank lines and a byte-order mark, is refused before the import reads it. */
export async function refuseEmptyFile(file: string) {
  const stream = await opened(createReadStream(file, { encoding: 'utf8' }), 'read', file);
  try {
    for await (const chunk of stream as AsyncIterable<string>) if (/[^\s\uFEFF]/.test(chunk)) return;
  } finally {
    stream.destroy();
  }
  throw new EmptyImportError(`${file} is empty: there is nothing to import`);
}

/**
 * Every line read as a user counts, valid or not, written or left unwritten by an interruption: none read is a
 * file in neither format (a lone CSV header, say).
 */
const usersRead = (summary: ImportOutcome) =>
  summary.created + summary.updated + summary.skipped + summary.failed + (summary.notWritten ?? 0);

/** Written in batches from the file's start, each whole or not at all: what was not written is the file's last users. */
function tellInterrupted({ created, updated, skipped, failed, notWritten }: ImportOutcome, interrupted: Interrupted, io: CommandIo) {
  const counts = `created ${created}, updated ${updated}, skipped ${skipped}, failed ${failed}`;
  io.err(
    `tessera: import interrupted after ${counts}: the file's last ${notWritten} users were not imported; run the same command again to import them\n`,
  );
  return interrupted.exitCode;
}

/**
 * `tessera import`: users from another system (a data migration), as the system itself. Exit
 * code 1 when any line is invalid (nothing is written, unless --skip-invalid) or a user could not be
 * written; the summary and each error (line and field) are printed either way.
 */
export function importUsers({ file, ...options }: ImportInput, { withModules, io, stop }: CommandRuntime): Promise<number> {
  // Its updates must reach every node's cached access, unlike create-admin's new user.
  return withModules(async ({ importer }) => {
    let summary: ImportOutcome;
    try {
      summary = await importer.importFile(systemCaller('tessera-import'), file, options, io.progress(), undefined, stop);
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      io.err(`tessera: import interrupted while checking ${file}: nothing was imported\n`);
      return error.exitCode;
    }
    if (usersRead(summary) === 0) {
      throw new EmptyImportError(`${file} holds no users: JSON Lines has an object per line, CSV a header row then a row per user`);
    }
    for (const error of summary.errors.slice(0, MAX_PRINTED_ERRORS)) io.err(`line ${error.line}: ${error.field}: ${error.message}\n`);
    if (summary.failed > MAX_PRINTED_ERRORS) io.err(`… and more: ${summary.failed} lines failed in all\n`);
    const verb = summary.dryRun ? 'would import' : summary.rejected ? 'imported nothing' : 'imported';
    io.out(
      `${verb}: created ${summary.created}, updated ${summary.updated}, skipped ${summary.skipped}, failed ${summary.failed}, invited ${summary.invited}`,
    );
    if (summary.notWritten !== undefined) return tellInterrupted(summary, stop?.reason as Interrupted, io);
    const invalidTolerated = options.skipInvalid && !summary.dryRun;
    return summary.rejected || (summary.failed > 0 && !invalidTolerated) ? 1 : 0;
  });
}
