import { eq, type InferInsertModel, type InferSelectModel } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

type TableWithId = PgTable & { id: PgColumn };

/**
 * The statements every table whose rows are addressed by `id` needs: read one, insert one, change one,
 * delete one (each answering the row, or undefined when there was none). A module builds them on its own
 * tables only (test/ownership.test.ts); what else it asks of a table stays in its queries.ts.
 */
export function rowsById<Table extends TableWithId>(table: Table) {
  type Row = InferSelectModel<Table>;
  type New = InferInsertModel<Table>;
  // Drizzle's builders infer their row types from a concrete table; on a generic one they are asserted
  // back to the table's own select and insert models, which is what they return.
  const byId = (id: string) => eq(table.id, id);
  return {
    async find(db: Executor, id: string): Promise<Row | undefined> {
      const [row] = await db
        .select()
        .from(table as PgTable)
        .where(byId(id));
      return row as Row | undefined;
    },
    async insert(db: Executor, values: New): Promise<Row> {
      const [row] = await db
        .insert(table)
        .values(values as never)
        .returning();
      if (!row) throw new Error('insert returned no row');
      return row as Row;
    },
    async update(db: Executor, id: string, values: Partial<New>): Promise<Row | undefined> {
      const rows = (await db
        .update(table)
        .set(values as never)
        .where(byId(id))
        .returning()) as Row[];
      return rows[0];
    },
    async remove(db: Executor, id: string): Promise<Row | undefined> {
      const [row] = await db.delete(table).where(byId(id)).returning();
      return row as Row | undefined;
    },
  };
}
