import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { installed } from '../platform/install-dir.js';
import type { Database, Session } from './client.js';
import { findDatabaseError } from './errors.js';
import { tablesInDependencyOrder } from './tables.js';

export const migrationsDir = `${installed('migrations')}/`;

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
    for (const file of pending) await applyMigration(session, file);
    return pending.map((file) => file.name);
  });
}

const applyMigration = (session: Session, file: MigrationFile) =>
  session.exec(`${file.up};\nINSERT INTO tessera_migrations (name, checksum) VALUES (${quote(file.name)}, ${quote(file.checksum)});`);

const rollBackMigration = (session: Session, file: MigrationFile) =>
  session.exec(`${file.down};\nDELETE FROM tessera_migrations WHERE name = ${quote(file.name)};`);

export class MigrationError extends Error {}

/** Rolls back the most recently applied migration with its down script. Returns its name, or undefined if none. */
export async function migrateDown(database: Database, files = readMigrations()): Promise<string | undefined> {
  return locked(database, async (session) => {
    const applied = await appliedNames(session);
    const last = [...files].reverse().find((file) => applied.has(file.name));
    if (!last) return undefined;
    if (!last.down) throw new MigrationError(`migration ${last.name} has no ${last.name}.down.sql: it cannot be rolled back`);
    await rollBackMigration(session, last);
    return last.name;
  });
}

/** A reset's steps, each reported once done (inside its transaction: nothing is kept until it commits). */
export type ResetStep = 'emptied' | 'rolled back' | 'dropped' | 'applied';

export interface ResetOptions {
  /** Schemas Tessera makes outside its migrations (the job runner's), dropped with all they hold. */
  alsoDrop?: string[];
  files?: MigrationFile[];
  onStep?: (step: ResetStep, names: string[]) => void;
}

const names = (files: MigrationFile[]) => files.map((file) => file.name);
const quoteName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The tables of the schema that exist here (a database part-way through its migrations lacks some). */
async function existingTables(session: Session): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    'SELECT name FROM json_array_elements_text($1::json) AS name WHERE to_regclass(quote_ident(name)) IS NOT NULL',
    [JSON.stringify(tablesInDependencyOrder())],
  );
  return rows.map((row) => row.name);
}

/**
 * Drops what the migrations made (each applied one's .down.sql, newest first), the migration table and
 * `alsoDrop`, then applies every migration again. One transaction: a failure at any step leaves the database
 * as it was. What the migrations did not make stays (other schemas and their tables, the extensions they share).
 */
export async function migrateReset(database: Database, { alsoDrop = [], files = readMigrations(), onStep }: ResetOptions = {}) {
  return locked(database, async (session) => {
    const applied = await appliedNames(session);
    const unknown = [...applied.keys()].filter((name) => !names(files).includes(name));
    if (unknown.length > 0) {
      throw new MigrationError(
        `the database has migrations this version does not know (${unknown.join(', ')}): reset it with the version that applied them`,
      );
    }
    const toRollBack = [...files].reverse().filter((file) => applied.has(file.name));
    const irreversible = toRollBack.find((file) => !file.down);
    if (irreversible)
      throw new MigrationError(`migration ${irreversible.name} has no ${irreversible.name}.down.sql: the database cannot be reset`);
    let doing = 'opening its transaction';
    try {
      await session.exec('BEGIN');
      // The down scripts carry data back to the schema before (0002's refuses unsealed audit rows); a reset
      // keeps no data, so the tables are emptied first and the downs only drop. Without CASCADE: a table that is
      // not Tessera's but refers to one of them fails the reset instead of being emptied with them.
      doing = 'emptying the tables';
      const tables = await existingTables(session);
      if (tables.length > 0) await session.exec(`TRUNCATE ${tables.map(quoteName).join(', ')}`);
      onStep?.('emptied', tables);
      for (const file of toRollBack) {
        doing = `rolling back ${file.name}`;
        await rollBackMigration(session, file);
      }
      onStep?.('rolled back', names(toRollBack));
      const dropped = ['tessera_migrations', ...alsoDrop.map((schema) => `schema ${schema}`)];
      doing = `dropping ${dropped.join(', ')}`;
      const dropSchemas = alsoDrop.map((schema) => `DROP SCHEMA IF EXISTS ${quoteName(schema)} CASCADE;`);
      await session.exec(['DROP TABLE tessera_migrations;', ...dropSchemas].join('\n'));
      await ensureTable(session);
      onStep?.('dropped', dropped);
      for (const file of files) {
        doing = `applying ${file.name}`;
        await applyMigration(session, file);
      }
      onStep?.('applied', names(files));
      doing = 'committing';
      await session.exec('COMMIT');
    } catch (error) {
      throw await resetFailure(session, doing, error);
    }
    return names(files);
  });
}

/** Says what state a failed reset left: none of it, unless the commit itself was cut short. */
async function resetFailure(session: Session, doing: string, error: unknown): Promise<MigrationError> {
  const detail = findDatabaseError(error)?.detail;
  const cause = `${error instanceof Error ? error.message : String(error)}${detail ? ` (${detail})` : ''}`;
  if (doing === 'committing') {
    return new MigrationError(
      `reset failed while committing (${cause}): whether it took effect is unknown; check with \`tessera migrate status\``,
      { cause: error },
    );
  }
  // A connection that broke has its transaction rolled back by the server: the ROLLBACK may then fail too.
  await session.exec('ROLLBACK').catch(() => {});
  return new MigrationError(`reset failed while ${doing}: ${cause}; nothing was changed (the reset is one transaction, rolled back)`, {
    cause: error,
  });
}
