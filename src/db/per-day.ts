import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

/**
 * How many of a table's rows fall on each UTC day of `at` (`{ day: 'YYYY-MM-DD', count }`, days without a row
 * left out), for the overview's daily series. A module counts its own table's rows only.
 */
export function rowsPerUtcDay(db: Executor, table: PgTable, at: PgColumn, where: SQL | undefined) {
  const day = sql<string>`to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
  return db.select({ day, count: sql<number>`count(*)::int` }).from(table).where(where).groupBy(day);
}
