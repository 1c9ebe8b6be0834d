import { and, eq, type InferInsertModel, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

type TableWithId = PgTable & { id: PgColumn };

/**
 * Read, change and delete the row a condition picks (each answering the row, or undefined when there was none).
 * Drizzle's builders infer their row types from a concrete table; on a generic one they are asserted back to
 * the table's own select and insert models, which is what they return.
 */
function rowsWhere<Table extends TableWithId>(table: Table) {
  type Row = InferSelectModel<Table>;
  type New = InferInsertModel<Table>;
  return {
    async find(db: Executor, where: SQL | undefined): Promise<Row | undefined> {
      const [row] = await db
        .select()
        .from(table as PgTable)
        .where(where);
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
    async update(db: Executor, where: SQL | undefined, values: Partial<New>): Promise<Row | undefined> {
      const rows = (await db
        .update(table)
        .set(values as never)
        .where(where)
        .returning()) as Row[];
      return rows[0];
    },
    async remove(db: Executor, where: SQL | undefined): Promise<Row | undefined> {
      const [row] = await db.delete(table).where(where).returning();
      return row as Row | undefined;
    },
  };
}

/**
 * The statements every table whose rows are addressed by `id` needs: read one, insert one, change one,
 * delete one. A module builds them on its own tables only (test/ownership.test.ts); what else it asks of a
 * table stays in its queries.ts.
 */
export function rowsById<Table extends TableWithId>(table: Table) {
  const rows = rowsWhere(table);
  const byId = (id: string) => eq(table.id, id);
  return {
    find: (db: Executor, id: string) => rows.find(db, byId(id)),
    insert: rows.insert,
    update: (db: Executor, id: string, values: Parameters<typeof rows.update>[2]) => rows.update(db, byId(id), values),
    remove: (db: Executor, id: string) => rows.remove(db, byId(id)),
  };
}

/**
 * The same for rows that belong to one owner (a person's goals, skills): addressed by the owner and the id
 * together, so another owner's id reads as no row at all.
 */
export function rowsOfOwner<Table extends TableWithId>(table: Table, owner: PgColumn) {
  const rows = rowsWhere(table);
  const ofOwner = (ownerId: string, id: string) => and(eq(owner, ownerId), eq(table.id, id));
  return {
    find: (db: Executor, ownerId: string, id: string) => rows.find(db, ofOwner(ownerId, id)),
    insert: rows.insert,
    update: (db: Executor, ownerId: string, id: string, values: Parameters<typeof rows.update>[2]) =>
      rows.update(db, ofOwner(ownerId, id), values),
    remove: (db: Executor, ownerId: string, id: string) => rows.remove(db, ofOwner(ownerId, id)),
  };
}
