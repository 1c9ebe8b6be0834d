import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { type Executor, rowsOf } from './client.js';

const dialect = new PgDialect();

/** A named value of a statement rendered once (`preparedOnce`), filled at each execution. */
export const param = (name: string) => sql.placeholder(name);

/**
 * A statement rendered once (its values are placeholders), then prepared once per connection under its name:
 * for a hot path's statement whose planning costs more than running it.
 */
export function preparedOnce<Row>(name: string, render: () => SQL) {
  let query: ReturnType<PgDialect['sqlToQuery']> | undefined;
  return async (db: Executor, values: Record<string, unknown>) => {
    query ??= dialect.sqlToQuery(render());
    return rowsOf<Row>(await db._.session.prepareQuery(query, undefined, name, false).execute(values));
  };
}
