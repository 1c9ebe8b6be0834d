import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { organizations } from '../../db/schema/index.js';

export type OrganizationRow = typeof organizations.$inferSelect;

/** One page of organizations by name (then id), after the (name, id) of the previous page's last row. */
export const listOrganizations = (db: Executor, page: { onlyId?: string; after?: readonly [name: string, id: string]; limit: number }) =>
  db
    .select()
    .from(organizations)
    .where(
      and(
        page.onlyId ? eq(organizations.id, page.onlyId) : undefined,
        page.after ? gt(sql`(${organizations.name}, ${organizations.id})`, sql`(${page.after[0]}, ${page.after[1]}::uuid)`) : undefined,
      ),
    )
    .orderBy(asc(organizations.name), asc(organizations.id))
    .limit(page.limit + 1);

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

/** Every organization's id and slug (an import names organizations by slug). */
export const slugs = (db: Executor) => db.select({ id: organizations.id, slug: organizations.slug }).from(organizations);
