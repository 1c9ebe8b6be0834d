import { and, asc, desc, gt, type InferSelectModel, lt, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';
import { eachGivenEquals } from './filters.js';

type TableWithId = PgTable & { id: PgColumn };

/** What a page of a table keyed by its id reads. */
export interface PageById {
  /** The list's own conditions (its owner, its filter). */
  where?: SQL;
  /** Newest first reads below `after`, oldest first above it. */
  order: 'newest' | 'oldest';
  /** The id of the previous page's last row (src/platform/paging.ts `pagedById.after`); none on the first page. */
  after?: string | number;
  /** How many rows: one more than the page shows tells whether there is a next one. */
  take: number;
}

/**
 * One keyset page of a table whose ids only grow (UUIDv7 ids, src/db/schema/common.ts, or an identity column):
 * the id alone orders its rows by when they were made, so it is the whole page key, and a page costs one index
 * range read wherever it starts. Drizzle infers rows from a concrete table; on a generic one they are asserted
 * back to the table's select model, which is what the statement returns.
 */
export async function pageById<Table extends TableWithId>(db: Executor, table: Table, page: PageById) {
  const newest = page.order === 'newest';
  const past = page.after === undefined ? undefined : newest ? lt(table.id, page.after) : gt(table.id, page.after);
  const rows = await db
    .select()
    .from(table as PgTable)
    .where(and(page.where, past))
    .orderBy(newest ? desc(table.id) : asc(table.id))
    .limit(page.take);
  return rows as InferSelectModel<Table>[];
}

/** A page of a list whose rows belong to an organization or to the platform. */
export interface OrganizationPage {
  /** The caller's organization when they are confined to one; a cross-tenant caller gives none. */
  organizationId?: string;
  after?: string;
  limit: number;
}

/** Oldest first: one organization's rows when it is given, else every row, each organization's and the platform's. */
export const pageWithinOrganization = <Table extends TableWithId & { organizationId: PgColumn }>(
  db: Executor,
  table: Table,
  page: OrganizationPage,
) =>
  pageById(db, table, {
    where: eachGivenEquals(page, { organizationId: table.organizationId }),
    order: 'oldest',
    after: page.after,
    take: page.limit + 1,
  });
