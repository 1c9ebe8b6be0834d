import { getTableColumns, is, SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

/*
 * Set-based writes for bulk loads (an import): one statement per table and batch instead of one per row
 * is what makes 100,000 users a matter of seconds. Each module calls it on its own tables only.
 */

/**
 * Rows go in as one JSON parameter unpacked by jsonb_to_recordset (keyed by the rows' own field names):
 * building and binding thousands of parameters costs more than the insert itself. A field a row leaves
 * out gets the column's default.
 */
export async function insertMany<T extends PgTable>(db: Executor, table: T, rows: T['$inferInsert'][], ignoreConflicts = false) {
  if (rows.length === 0) return;
  const columns = Object.entries(getTableColumns(table));
  const generated = columns.filter(([, column]) => column.defaultFn);
  const values = rows.map((row) => {
    const given = row as Record<string, unknown>;
    const missing = generated.filter(([key]) => given[key] === undefined);
    return missing.length === 0 ? row : { ...given, ...Object.fromEntries(missing.map(([key, column]) => [key, column.defaultFn?.()])) };
  });
  const field = (key: string) => sql`r.${sql.identifier(key)}`;
  const orDefault = ([key, column]: (typeof columns)[number]) => {
    if (column.default === undefined) return field(key);
    const fallback = is(column.default, SQL) ? column.default : sql`${column.default}::${sql.raw(column.getSQLType())}`;
    return sql`coalesce(${field(key)}, ${fallback})`;
  };
  const names = sql.join(
    columns.map(([, column]) => sql.identifier(column.name)),
    sql`, `,
  );
  const types = sql.join(
    columns.map(([key, column]) => sql`${sql.identifier(key)} ${sql.raw(column.getSQLType())}`),
    sql`, `,
  );
  await db.execute(
    sql`INSERT INTO ${table} (${names}) SELECT ${sql.join(columns.map(orDefault), sql`, `)} FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS r(${types})${
      ignoreConflicts ? sql` ON CONFLICT DO NOTHING` : sql``
    }`,
  );
}

/**
 * Rows per statement in `insertInBatches`: a few thousand parameters for any of our tables, far inside
 * PostgreSQL's bound of 65,535 and inside what PGlite encodes (a 46,810-parameter insert fails there).
 */
const ROWS_PER_STATEMENT = 1_000;

/**
 * Rows inserted as drizzle builds them (column defaults, serial ids), in as many statements as they need:
 * one for the few rows of a request, several for a sweep that writes thousands.
 */
export async function insertInBatches<T extends PgTable>(db: Executor, table: T, rows: T['$inferInsert'][]) {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    await db.insert(table).values(rows.slice(start, start + ROWS_PER_STATEMENT));
  }
}
