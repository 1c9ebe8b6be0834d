import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import type { ProgressReporter } from '../../db/backup.js';
import type { Executor } from '../../db/client.js';
import type { ImportOwners } from './owners.js';
import { type ImportFormat, readRecords } from './reader.js';
import type { ImportOptions, ImportSummary, LineError } from './schemas.js';
import { type Catalog, checkRecord, type ImportUser } from './validate.js';

const CHUNK = 1000;
const MAX_LISTED_ERRORS = 1000;

/** The progress bar's total: the file's lines (a final newline ends the last one, it starts none), less a CSV header. */
async function countRows(path: string, format: ImportFormat) {
  let count = 0;
  let last = 10;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (const byte of chunk) if (byte === 10) count++;
    last = chunk.at(-1) ?? last;
  }
  const lines = count + (last === 10 ? 0 : 1);
  return format === 'csv' ? Math.max(0, lines - 1) : lines;
}

/** The valid users of a file, resolved to ids, and every invalid line's errors. */
async function* validUsers(
  path: string,
  format: ImportFormat,
  catalog: Catalog,
  reject: (errors: LineError[]) => void,
  progress: ProgressReporter,
) {
  for await (const record of readRecords(path, format)) {
    progress.advance(1);
    const checked = await checkRecord(record, format, catalog);
    if (checked.user) yield checked.user;
    else reject(checked.errors);
  }
}

/**
 * The first read of an import: every line checked (schema, names, repeats within the file, usernames and
 * phones other accounts hold), what the valid ones would do counted, and the valid users written to
 * `spool` as resolved records, so the writing pass reads them back instead of checking the file again.
 */
export async function checkFile(
  db: Executor,
  source: { path: string; format: ImportFormat },
  catalog: Catalog,
  options: ImportOptions,
  progress: ProgressReporter,
  spool: string,
  owners: ImportOwners,
  stop?: AbortSignal,
) {
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
  const reject = (errors: LineError[]) => {
    summary.failed++;
    summary.errors.push(...errors.slice(0, MAX_LISTED_ERRORS - summary.errors.length));
  };
  const out = createWriteStream(spool);
  let valid = 0;
  const firstSeen = { email: new Map<string, number>(), username: new Map<string, number>(), phone: new Map<string, number>() };
  let chunk: ImportUser[] = [];

  const checkChunk = async () => {
    // An account the actor cannot see is, to them, no account: the counts must not tell it exists.
    const existing = new Map(
      (
        await owners.users.withEmails(
          db,
          chunk.map((user) => user.email),
        )
      )
        .filter((row) => catalog.sees(row.organizationId))
        .map((row) => [row.email, row]),
    );
    const holders = await owners.users.holdersOf(
      db,
      chunk.flatMap((user) => (user.username ? [user.username] : [])),
      chunk.flatMap((user) => (user.phone ? [user.phone] : [])),
    );
    for (const user of chunk) {
      const taken = (field: 'username' | 'phone') =>
        holders.some(
          (holder) => holder.email !== user.email && user[field] !== null && holder[field]?.toLowerCase() === user[field]?.toLowerCase(),
        );
      const errors: LineError[] = (['username', 'phone'] as const)
        .filter(taken)
        .map((field) => ({ line: user.line, field, message: 'is taken by another account' }));
      const account = existing.get(user.email);
      const refusedChange = account && options.update ? await catalog.updateRefused(account, user) : undefined;
      if (refusedChange) errors.push({ line: user.line, field: 'email', message: refusedChange });
      if (errors.length > 0) {
        reject(errors);
        continue;
      }
      const exists = account !== undefined;
      if (!exists) summary.created++;
      else if (options.update) summary.updated++;
      else summary.skipped++;
      if (!exists && !user.passwordHash && options.invite) summary.invited++;
      valid++;
      if (!out.write(`${JSON.stringify(user)}\n`)) await once(out, 'drain');
    }
    chunk = [];
  };

  progress.start('checking', await countRows(source.path, source.format));
  // Stopped even when the check is cut short: a terminal's bar then ends its line before what follows.
  try {
    for await (const user of validUsers(source.path, source.format, catalog, reject, progress)) {
      // Stopped while checking, nothing is written: it ends at once.
      stop?.throwIfAborted();
      const repeated = (['email', 'username', 'phone'] as const).flatMap((field) => {
        const value = user[field]?.toLowerCase();
        const earlier = value ? firstSeen[field].get(value) : undefined;
        if (value && earlier === undefined) firstSeen[field].set(value, user.line);
        return earlier === undefined ? [] : [{ line: user.line, field, message: `repeats line ${earlier}` }];
      });
      if (repeated.length > 0) reject(repeated);
      else if (chunk.push(user) >= CHUNK) await checkChunk();
    }
    await checkChunk();
    out.end();
    await once(out, 'finish');
  } finally {
    progress.stop();
  }
  summary.errors.sort((a, b) => a.line - b.line);
  return { summary, valid };
}
