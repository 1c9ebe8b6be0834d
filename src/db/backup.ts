import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { opened } from '../platform/opened-file.js';
import type { Database, Session } from './client.js';
import { migrateUp, migrationStatus } from './migrator.js';
import { tablesInDependencyOrder } from './tables.js';

const FORMAT = 'tessera-backup';
const BATCH = 2000;

export interface BackupHeader {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  migrations: string[];
  tables: Record<string, number>;
}

export interface ProgressReporter {
  start(label: string, total: number): void;
  advance(count: number): void;
  stop(): void;
}

export class BackupError extends Error {}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function countRows(session: Session, table: string): Promise<number> {
  const [row] = await session.query<{ count: string }>(`SELECT count(*) AS count FROM ${ident(table)}`);
  return Number(row?.count ?? 0);
}

/**
 * A logical, driver-independent backup: gzip'd JSON lines, one row per line, read through a cursor
 * inside one repeatable-read transaction so the copy is consistent while the service keeps running.
 * Written beside the file and renamed onto it once complete: a backup that failed or was interrupted
 * leaves no truncated file under the name a restore would be given. Once `stop` is aborted it stops at the next
 * row, removes the partial file and throws the abort's reason.
 */
export async function backupDatabase(
  database: Database,
  file: string,
  progress: ProgressReporter,
  stop?: AbortSignal,
): Promise<BackupHeader> {
  const partial = `${file}.partial`;
  try {
    const header = await writeBackup(database, { file, partial, stop }, progress);
    renameSync(partial, file);
    return header;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

async function writeBackup(
  database: Database,
  { file, partial, stop }: { file: string; partial: string; stop: AbortSignal | undefined },
  progress: ProgressReporter,
): Promise<BackupHeader> {
  const migrations = (await migrationStatus(database)).filter((state) => state.appliedAt).map((state) => state.name);
  const tables = tablesInDependencyOrder();
  const gzip = createGzip();
  // Owner-only: it holds every password hash and the signing keys.
  // A file that cannot be written fails the command before anything is read.
  const output = await opened(createWriteStream(partial, { mode: 0o600 }), 'write', file);
  const written = pipeline(gzip, output);
  // A failed write (a full disk) ends the pipeline: the next write throws it instead of waiting for a drain that never comes.
  written.catch(() => {});
  const write = async (line: string) => {
    stop?.throwIfAborted();
    if (!gzip.write(`${line}\n`)) await Promise.race([once(gzip, 'drain'), written]);
  };
  try {
    const header = await readInto(write, database, tables, migrations, progress);
    gzip.end();
    await written;
    return header;
  } finally {
    // Closes the file when the read failed; nothing left to do after a finished write.
    gzip.destroy();
  }
}

async function readInto(
  write: (line: string) => Promise<void>,
  database: Database,
  tables: string[],
  migrations: string[],
  progress: ProgressReporter,
): Promise<BackupHeader> {
  return database.withSession(async (session) => {
    await session.exec('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      const counts: Record<string, number> = {};
      for (const table of tables) counts[table] = await countRows(session, table);
      const header: BackupHeader = { format: FORMAT, version: 1, createdAt: new Date().toISOString(), migrations, tables: counts };
      await write(JSON.stringify(header));
      for (const table of tables) {
        progress.start(table, counts[table] ?? 0);
        // Stopped even when the backup is cut short: a terminal's bar then ends its line before what follows.
        try {
          await session.exec(`DECLARE backup_cursor NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS row FROM ${ident(table)} t`);
          for (;;) {
            const rows = await session.query<{ row: string }>(`FETCH ${BATCH} FROM backup_cursor`);
            for (const { row } of rows) await write(`{"t":${JSON.stringify(table)},"r":${row}}`);
            progress.advance(rows.length);
            if (rows.length < BATCH) break;
          }
          await session.exec('CLOSE backup_cursor');
        } finally {
          progress.stop();
        }
      }
      await session.exec('COMMIT');
      return header;
    } catch (error) {
      await session.exec('ROLLBACK');
      throw error;
    }
  });
}

async function readHeader(lines: AsyncIterator<string>): Promise<BackupHeader> {
  let header: BackupHeader | undefined;
  try {
    const first = await lines.next();
    header = first.done ? undefined : (JSON.parse(first.value) as BackupHeader);
  } catch {
    // Not gzip ("incorrect header check"), or not JSON: either way, not a file `tessera backup` wrote.
    header = undefined;
  }
  if (header?.format !== FORMAT) throw new BackupError('not a Tessera backup file');
  return header;
}

async function insertBatch(session: Session, table: string, rows: unknown[]) {
  // json_populate_recordset converts every column from its JSON form by the table's own types.
  await session.query(`INSERT INTO ${ident(table)} SELECT * FROM json_populate_recordset(NULL::${ident(table)}, $1::json)`, [
    JSON.stringify(rows),
  ]);
}

/** The backup's lines, its header read (a file that cannot be read, or is not a backup, is refused here). */
async function openBackup(file: string) {
  const source = await opened(createReadStream(file), 'read', file);
  const input = createInterface({ input: source.pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
  const lines = input[Symbol.asyncIterator]();
  try {
    return { header: await readHeader(lines), lines, close: () => source.destroy() };
  } catch (error) {
    source.destroy();
    throw error;
  }
}

/** Refuses a file that cannot be read or is not a backup, before anything opens the database to restore into. */
export async function assertReadableBackup(file: string): Promise<void> {
  (await openBackup(file)).close();
}

/** Restores a backup into an empty database (migrated first to the backup's level), in one transaction. */
export async function restoreDatabase(database: Database, file: string, progress: ProgressReporter): Promise<BackupHeader> {
  const { header, lines } = await openBackup(file);
  await migrateUp(database);
  const applied = (await migrationStatus(database)).filter((state) => state.appliedAt).map((state) => state.name);
  if (applied.join() !== header.migrations.join()) {
    throw new BackupError(`backup was taken at migrations [${header.migrations.join(', ')}], this database is at [${applied.join(', ')}]`);
  }
  return database.withSession(async (session) => {
    for (const table of Object.keys(header.tables)) {
      if ((await countRows(session, table)) > 0) throw new BackupError(`the target database is not empty (table ${table} has rows)`);
    }
    await session.exec('BEGIN');
    try {
      let current: string | undefined;
      let batch: unknown[] = [];
      const flush = async () => {
        if (!current || batch.length === 0) return;
        await insertBatch(session, current, batch);
        progress.advance(batch.length);
        batch = [];
      };
      for (let next = await lines.next(); !next.done; next = await lines.next()) {
        if (!next.value) continue;
        const { t: table, r: row } = JSON.parse(next.value) as { t: string; r: unknown };
        if (table !== current) {
          await flush();
          if (current) progress.stop();
          current = table;
          progress.start(table, header.tables[table] ?? 0);
        }
        batch.push(row);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (current) progress.stop();
      await session.exec(
        `SELECT setval(pg_get_serial_sequence('audit_logs', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM audit_logs`,
      );
      await session.exec('COMMIT');
      return header;
    } catch (error) {
      await session.exec('ROLLBACK');
      throw error;
    }
  });
}
