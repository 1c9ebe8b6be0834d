import { getTableColumns, is, SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

/*
 * Set-based writes for bulk loads (an import): one statement per table and batch instead of one per row
 * is what makes 100,000 users a matter of seconds. Each module calls it on its own tables only.
 */

/** A column whose value the database makes (a serial), with no default expression drizzle could write out. */
const madeByDatabase = (column: PgColumn) => column.hasDefault && column.default === undefined && !column.defaultFn;

/**
 * Rows go in as one JSON parameter unpacked by jsonb_to_recordset (keyed by the rows' own field names):
 * building and binding thousands of parameters costs more than the insert itself, and a statement holds any
 * number of rows (bound parameters are limited: 65,535 in PostgreSQL, fewer in PGlite). A field a row leaves
 * out gets the column's default; a serial no row gives is left to the database.
 */
export async function insertMany<T extends PgTable>(db: Executor, table: T, rows: T['$inferInsert'][], ignoreConflicts = false) {
  if (rows.length === 0) return;
  const given = (key: string) => rows.some((row) => (row as Record<string, unknown>)[key] !== undefined);
  const columns = Object.entries(getTableColumns(table)).filter(([key, column]) => !madeByDatabase(column) || given(key));
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
