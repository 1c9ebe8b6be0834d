import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database, Session } from './client.js';

export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface MigrationFile {
  name: string;
  up: string;
  down: string | undefined;
  checksum: string;
}

export interface MigrationState {
  name: string;
  appliedAt: Date | null;
}

// Any constant works; it only has to be the same for every node, so two starting at once take turns.
const MIGRATION_LOCK = 7_345_120_911;

/** Migrations in the order drizzle-kit generated them (its journal), each with its hand-written down script. */
export function readMigrations(dir = migrationsDir): MigrationFile[] {
  const journal = JSON.parse(readFileSync(`${dir}/meta/_journal.json`, 'utf8')) as { entries: { tag: string }[] };
  return journal.entries.map(({ tag }) => {
    const up = readFileSync(`${dir}/${tag}.sql`, 'utf8');
    const downPath = `${dir}/${tag}.down.sql`;
    return {
      name: tag,
      up,
      down: existsSync(downPath) ? readFileSync(downPath, 'utf8') : undefined,
      checksum: createHash('sha256').update(up).digest('hex'),
    };
  });
}

const ensureTable = (session: Session) =>
  session.exec(`CREATE TABLE IF NOT EXISTS tessera_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

async function locked<T>(database: Database, fn: (session: Session) => Promise<T>): Promise<T> {
  return database.withSession(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await ensureTable(session);
      return await fn(session);
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}

async function appliedNames(session: Session): Promise<Map<string, Date>> {
  const rows = await session.query<{ name: string; applied_at: Date }>('SELECT name, applied_at FROM tessera_migrations');
  return new Map(rows.map((row) => [row.name, new Date(row.applied_at)]));
}

export async function migrationStatus(database: Database, files = readMigrations()): Promise<MigrationState[]> {
  return locked(database, async (session) => {
    const applied = await appliedNames(session);
    return files.map((file) => ({ name: file.name, appliedAt: applied.get(file.name) ?? null }));
  });
}

/**
 * The migrations not applied yet, read without the migration lock or creating the bookkeeping table: a
 * check before each CLI command, cheaper than a status.
 */
export async function pendingMigrations(database: Database, files = readMigrations()): Promise<string[]> {
  return database.withSession(async (session) => {
    const [table] = await session.query<{ found: string | null }>(`SELECT to_regclass('tessera_migrations')::text AS found`);
    const applied = table?.found
      ? new Set((await session.query<{ name: string }>('SELECT name FROM tessera_migrations')).map((row) => row.name))
      : new Set();
    return files.filter((file) => !applied.has(file.name)).map((file) => file.name);
  });
}

/** Applies every pending migration, each atomically with its bookkeeping row. Returns the names applied. */
export async function migrateUp(database: Database, files = readMigrations()): Promise<string[]> {
  return locked(database, async (session) => {
    const applied = await appliedNames(session);
    const pending = files.filter((file) => !applied.has(file.name));
    for (const file of pending) {
      await session.exec(
        `${file.up};\nINSERT INTO tessera_migrations (name, checksum) VALUES (${quote(file.name)}, ${quote(file.checksum)});`,
      );
    }
    return pending.map((file) => file.name);
  });
}

export class MigrationError extends Error {}

/** Rolls back the most recently applied migration with its down script. Returns its name, or undefined if none. */
export async function migrateDown(database: Database, files = readMigrations()): Promise<string | undefined> {
  return locked(database, async (session) => {
    const applied = await appliedNames(session);
    const last = [...files].reverse().find((file) => applied.has(file.name));
    if (!last) return undefined;
    if (!last.down) throw new MigrationError(`migration ${last.name} has no ${last.name}.down.sql: it cannot be rolled back`);
    await session.exec(`${last.down};\nDELETE FROM tessera_migrations WHERE name = ${quote(last.name)};`);
    return last.name;
  });
}
