import { createReadStream } from 'node:fs';
import type { AppContext } from '../../context.js';
import type { ProgressReporter } from '../../db/backup.js';
import type { Caller } from '../../platform/caller.js';
import type { DomainUseCases } from '../events.js';
import type { InvitationsService } from '../invitations/service.js';
import { loadCatalog } from './catalog.js';
import { accessChangingImports } from './events.js';
import * as queries from './queries.js';
import { formatOf, type ImportFormat, readRecords } from './reader.js';
import type { ImportOptions, ImportSummary, LineError } from './schemas.js';
import { type Catalog, type ImportUser, parseRecord, resolveRecord } from './validate.js';
import { writeBatch } from './writer.js';

export { formatOf } from './reader.js';
export type { ImportOptions, ImportSummary } from './schemas.js';

const BATCH = 1000;
const MAX_LISTED_ERRORS = 1000;
const quiet: ProgressReporter = { start: () => undefined, advance: () => undefined, stop: () => undefined };

async function countLines(path: string) {
  let count = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
    for (const byte of chunk as Buffer) if (byte === 10) count++;
  return count + 1;
}

/** The valid users of a file, resolved to ids, with every invalid line's errors (two reads of the file, same answers). */
async function* validUsers(
  path: string,
  format: ImportFormat,
  catalog: Catalog,
  onInvalid: (errors: LineError[]) => void,
  progress: ProgressReporter,
) {
  for await (const record of readRecords(path, format)) {
    progress.advance(1);
    const parsed = parseRecord(record, format);
    const resolved = parsed.record && parsed.errors.length === 0 ? await resolveRecord(record.line, parsed.record, catalog) : undefined;
    const errors = [...parsed.errors, ...(resolved?.errors ?? [])];
    if (errors.length > 0 || !resolved?.user) onInvalid(errors);
    else yield resolved.user;
  }
}

/**
 * Seed 002's data migration: users from another system, from a JSON Lines or CSV file, streamed. The
 * file is read twice: first every line is checked (schema, names, duplicates in the file, usernames and
 * phones other accounts hold), then, unless a line was invalid (or `skipInvalid`), the users go in by
 * batches, each user with all its rows or not at all. An address already there is skipped, so running
 * a file again changes nothing, unless `update`.
 */
export function createImportService(context: AppContext, deps: { useCases: DomainUseCases; invitations: InvitationsService }) {
  const db = context.database.primary;
  deps.useCases.afterCommit(accessChangingImports, async (event) => {
    for (const userId of event.payload.userIds) await context.access.invalidate(userId);
  });

  /** Pass one: every invalid line, and what the valid ones would do. */
  async function check(path: string, format: ImportFormat, catalog: Catalog, options: ImportOptions, progress: ProgressReporter) {
    const summary: ImportSummary = {
      dryRun: options.dryRun ?? false,
      rejected: false,
      created: 0,
      updated: 0,
      skipped: 0,
      failed: 0,
      invited: 0,
      errors: [],
    };
    const invalidLines = new Set<number>();
    const reject = (errors: LineError[]) => {
      for (const error of errors) invalidLines.add(error.line);
      summary.failed++;
      summary.errors.push(...errors.slice(0, MAX_LISTED_ERRORS - summary.errors.length));
    };
    const firstSeen = { email: new Map<string, number>(), username: new Map<string, number>(), phone: new Map<string, number>() };
    let chunk: ImportUser[] = [];
    const checkChunk = async () => {
      const existing = new Set(
        (
          await queries.existingUsers(
            db,
            chunk.map((user) => user.email),
          )
        ).map((row) => row.email),
      );
      const holders = await queries.holdersOf(
        db,
        chunk.flatMap((user) => (user.username ? [user.username] : [])),
        chunk.flatMap((user) => (user.phone ? [user.phone] : [])),
      );
      for (const user of chunk) {
        const taken = (field: 'username' | 'phone') =>
          user[field] !== null &&
          holders.some((holder) => holder.email !== user.email && holder[field]?.toLowerCase() === user[field]?.toLowerCase());
        const errors = (['username', 'phone'] as const)
          .filter(taken)
          .map((field) => ({ line: user.line, field, message: 'is taken by another account' }));
        if (errors.length > 0) reject(errors);
        else if (!existing.has(user.email)) summary.created++;
        else if (options.update) summary.updated++;
        else summary.skipped++;
        if (errors.length === 0 && !user.passwordHash && options.invite && !existing.has(user.email)) summary.invited++;
      }
      chunk = [];
    };
    progress.start('checking', await countLines(path));
    for await (const user of validUsers(path, format, catalog, reject, progress)) {
      const repeated = (['email', 'username', 'phone'] as const).flatMap((field) => {
        const value = user[field]?.toLowerCase();
        if (!value) return [];
        const earlier = firstSeen[field].get(value);
        if (earlier === undefined) firstSeen[field].set(value, user.line);
        return earlier === undefined ? [] : [{ line: user.line, field, message: `repeats line ${earlier}` }];
      });
      if (repeated.length > 0) reject(repeated);
      else if (chunk.push(user) >= BATCH) await checkChunk();
    }
    await checkChunk();
    progress.stop();
    summary.errors.sort((a, b) => a.line - b.line);
    return { summary, invalidLines };
  }

  return {
    /** Imports a file on disk (the CLI's, or an upload spooled by the route). */
    async importFile(
      caller: Caller,
      path: string,
      options: ImportOptions,
      progress = quiet,
      format?: ImportFormat,
    ): Promise<ImportSummary> {
      const kind = format ?? formatOf(path);
      const catalog = await loadCatalog(db, caller.principal);
      const { summary, invalidLines } = await check(path, kind, catalog, options, progress);
      if (options.dryRun) return summary;
      if (invalidLines.size > 0 && !options.skipInvalid)
        return { ...summary, rejected: true, created: 0, updated: 0, skipped: 0, invited: 0 };

      const written: ImportSummary = { ...summary, created: 0, updated: 0, skipped: 0, invited: 0 };
      const settings = {
        update: options.update ?? false,
        invite: options.invite ?? false,
        invitedBy: caller.principal?.userId ?? null,
        invitations: deps.invitations,
      };
      const write = async (batch: ImportUser[]) => {
        const result = await deps.useCases.run(caller, (tx, emit) => writeBatch(tx, emit, batch, settings));
        for (const key of ['created', 'updated', 'skipped', 'invited'] as const) written[key] += result[key];
        progress.advance(batch.length);
      };
      // A batch that fails (an address taken since the check, say) goes again one user at a time: only that user fails.
      const flush = async (batch: ImportUser[]) => {
        if (batch.length === 0) return;
        try {
          await write(batch);
        } catch {
          for (const user of batch) {
            await write([user]).catch((error: unknown) => {
              written.failed++;
              written.errors.push({ line: user.line, field: '(line)', message: error instanceof Error ? error.message : String(error) });
            });
          }
        }
      };
      progress.start('importing', summary.created + summary.updated + summary.skipped);
      let batch: ImportUser[] = [];
      for await (const user of validUsers(path, kind, catalog, () => undefined, quiet)) {
        if (invalidLines.has(user.line)) continue;
        if (batch.push(user) >= BATCH) {
          await flush(batch);
          batch = [];
        }
      }
      await flush(batch);
      progress.stop();
      return written;
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
