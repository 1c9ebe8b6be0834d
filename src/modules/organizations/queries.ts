import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { organizations } from '../../db/schema/index.js';

export type OrganizationRow = typeof organizations.$inferSelect;

export const listOrganizations = (db: Executor, onlyId?: string) =>
  db
    .select()
    .from(organizations)
    .where(onlyId ? eq(organizations.id, onlyId) : undefined)
    .orderBy(asc(organizations.name))
    .limit(1000);

export async function findOrganization(db: Executor, id: string) {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, id));
  return row;
}

export async function insertOrganization(db: Executor, values: typeof organizations.$inferInsert) {
  const [row] = await db.insert(organizations).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateOrganization(db: Executor, id: string, values: Partial<typeof organizations.$inferInsert>) {
  const [row] = await db.update(organizations).set(values).where(eq(organizations.id, id)).returning();
  return row;
}

/** True when the row was there to delete. */
export async function deleteOrganization(db: Executor, id: string) {
  const deleted = await db.delete(organizations).where(eq(organizations.id, id)).returning({ id: organizations.id });
  return deleted.length > 0;
}
