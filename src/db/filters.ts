import { and, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** A filter field left out, or null (no tenancy to confine to); an empty query value (`?status=`) narrows nothing either. */
const notGiven = (value: unknown) => value === undefined || value === null || value === '';

/**
 * A list's filter as one condition: each field the filter gives equals the column `columns` names for it; a
 * field not given does not narrow the list.
 */
export function eachGivenEquals<Filter extends object>(filter: Filter, columns: { [Field in keyof Filter]?: PgColumn }): SQL | undefined {
  return and(
    ...Object.entries(columns).map(([field, column]) => {
      const value = (filter as Record<string, unknown>)[field];
      return notGiven(value) ? undefined : eq(column as PgColumn, value);
    }),
  );
}

/** A column within a range, both ends included; an end not given leaves that side open. */
export function inRange<Value>(column: PgColumn, from: Value | undefined, to: Value | undefined): SQL | undefined {
  return and(notGiven(from) ? undefined : gte(column, from), notGiven(to) ? undefined : lte(column, to));
}
