import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { rowsById } from '../../db/rows.js';
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

const organizationRows = rowsById(organizations);
export const findOrganization = organizationRows.find;
export const insertOrganization = organizationRows.insert;
export const updateOrganization = organizationRows.update;
export const deleteOrganization = organizationRows.remove;

/**
 * Holds the organization's row until the transaction ends: a membership or invitation being added to it (whose
 * foreign key shares the row) waits, and one added just before is seen by the statements that follow.
 */
export async function lockOrganization(db: Executor, id: string) {
  const [row] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, id)).for('update');
  return row;
}

/** Every organization's id and slug (an import names organizations by slug). */
export const slugs = (db: Executor) => db.select({ id: organizations.id, slug: organizations.slug }).from(organizations);
