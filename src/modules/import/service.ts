import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../../context.js';
import type { ProgressReporter } from '../../db/backup.js';
import type { Caller } from '../../platform/caller.js';
import type { DomainUseCases } from '../events.js';
import type { InvitationsService } from '../invitations/service.js';
import { loadCatalog } from './catalog.js';
import { checkFile } from './check.js';
import { accessChangingImports } from './events.js';
import { createImportJobs, type ImportJobs } from './jobs.js';
import { lineFailure } from './line-failure.js';
import type { ImportOwners } from './owners.js';
import { formatOf, type ImportFormat, readRecords } from './reader.js';
import type { ImportOptions, ImportSummary } from './schemas.js';
import type { Catalog, ImportUser } from './validate.js';
import { writeBatch } from './writer.js';

export type { ImportOptions, ImportSummary } from './schemas.js';

/** The summary, and when `stop` cut the writing short, how many checked users (the file's last) it did not write. */
export type ImportOutcome = ImportSummary & { notWritten?: number };

const BATCH = 1000;
const quiet: ProgressReporter = { start: () => undefined, advance: () => undefined, stop: () => undefined };

/** The checked users the first pass spooled, in batches. */
async function* batchesOf(spool: string) {
  let batch: ImportUser[] = [];
  for await (const { value } of readRecords(spool, 'jsonl')) {
    const user = value as ImportUser & { createdAt: string | null };
    batch.push({ ...user, createdAt: user.createdAt ? new Date(user.createdAt) : null });
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Data migration: users from another system, from a JSON Lines or CSV file, streamed. The
 * first pass checks every line (check.ts); unless a line was invalid (or `skipInvalid`), the second
 * writes the checked users by batches of 1,000, each batch one transaction with one statement per table,
 * several batches at once on PostgreSQL. A batch that fails goes again user by user, so each user goes
 * in with all its rows or not at all. An address already there is skipped (running a file again changes
 * nothing) unless `update`.
 */
export interface ImportDeps extends ImportOwners {
  useCases: DomainUseCases;
  invitations: InvitationsService;
}

export interface ImportService {
  /**
   * Imports a file on disk (the CLI's, or an upload spooled by the route), reporting the phases' progress. Once
   * `stop` is aborted (the CLI interrupted), a check ends at once, throwing its reason; a write, after the batches under way.
   */
  importFile(
    caller: Caller,
    path: string,
    options: ImportOptions,
    progress?: ProgressReporter,
    format?: ImportFormat,
    stop?: AbortSignal,
  ): Promise<ImportOutcome>;
  /** Imports that run after their upload was answered, with their progress readable meanwhile. */
  jobs: ImportJobs;
}

export function createImportService(context: AppContext, deps: ImportDeps): ImportService {
  const owners: ImportOwners = { users: deps.users, access: deps.access, organizations: deps.organizations, learning: deps.learning };
  const db = context.database.primary;
  // PostgreSQL writes several batches at once on as many connections; PGlite has one.
  const concurrency = context.database.kind === 'postgres' ? Math.max(1, Math.min(3, context.config.DB_POOL_SIZE - 1)) : 1;
  deps.useCases.afterCommit(accessChangingImports, async (event) => {
    // All at once: each waits for every node's answer, and one at a time a batch would wait a round trip per person.
    await Promise.all(event.payload.userIds.map((userId) => context.access.invalidate(userId)));
  });

  async function writeAll(
    caller: Caller,
    spool: string,
    options: ImportOptions,
    catalog: Catalog,
    summary: ImportSummary,
    progress: ProgressReporter,
    stop: AbortSignal | undefined,
  ): Promise<number> {
    const settings = {
      update: options.update ?? false,
      invite: options.invite ?? false,
      invitedBy: caller.principal?.userId ?? null,
      invitations: deps.invitations,
      owners,
      sees: catalog.sees,
      updateRefused: catalog.updateRefused,
    };
    const write = async (batch: ImportUser[]) => {
      const result = await deps.useCases.run(caller, (tx, emit) => writeBatch(tx, emit, batch, settings));
      for (const key of ['created', 'updated', 'skipped', 'invited'] as const) summary[key] += result[key];
      summary.failed += result.refused.length;
      summary.errors.push(...result.refused);
      progress.advance(batch.length);
    };
    // A batch that fails (an address taken since the check, say) goes again one user at a time: only that user fails.
    const writeOrSplit = async (batch: ImportUser[]) => {
      await write(batch).catch(async () => {
        for (const user of batch) {
          await write([user]).catch((error: unknown) => {
            summary.errors.push(lineFailure(user, error));
            summary.failed++;
          });
        }
      });
    };
    const running = new Set<Promise<void>>();
    let started = 0;
    for await (const batch of batchesOf(spool)) {
      // PGlite answers within one turn of the event loop: without a turn between batches, the signal that stops an import
      // would only be heard once it has written everything.
      await new Promise(setImmediate);
      // Stopped, it starts no further batch and lets those under way end: what is written is then the file's first users.
      if (stop?.aborted) break;
      started += batch.length;
      const task: Promise<void> = writeOrSplit(batch).finally(() => running.delete(task));
      running.add(task);
      if (running.size >= concurrency) await Promise.race(running);
    }
    await Promise.all(running);
    return started;
  }

  /** Imports a file on disk (the CLI's, or an upload spooled by the route). */
  async function importFile(
    caller: Caller,
    path: string,
    options: ImportOptions,
    progress = quiet,
    format?: ImportFormat,
    stop?: AbortSignal,
  ): Promise<ImportOutcome> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-import-'));
    try {
      const spool = join(dir, 'checked.jsonl');
      const catalog = await loadCatalog(db, caller.principal, owners);
      const source = { path, format: format ?? formatOf(path) };
      const { summary, valid } = await checkFile(db, source, catalog, options, progress, spool, owners, stop);
      stop?.throwIfAborted();
      if (options.dryRun) return summary;
      if (summary.failed > 0 && !options.skipInvalid) return { ...summary, rejected: true, created: 0, updated: 0, skipped: 0, invited: 0 };
      const written = { ...summary, created: 0, updated: 0, skipped: 0, invited: 0, errors: [...summary.errors] };
      progress.start('importing', valid);
      const started = await writeAll(caller, spool, options, catalog, written, progress, stop).finally(() => progress.stop());
      return started < valid ? { ...written, notWritten: valid - started } : written;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return { importFile, jobs: createImportJobs(context.state, importFile) };
}
