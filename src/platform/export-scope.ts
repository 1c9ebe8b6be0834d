import type { Executor } from '../db/client.js';

/**
 * What one module holds about a person, for their GDPR export, read on the export's transaction. `within`: the
 * organization of an administrator confined to it, who gets what belongs to it and to no organization, never
 * another organization's (each is a controller of its own data); undefined for the person or a cross-tenant actor.
 */
export type ExportPart = (executor: Executor, userId: string, within?: string) => Promise<unknown>;

/**
 * A part too large to hold at once (the audit trail): its rows page by page, read after the export's transaction
 * while the answer is written, so the whole of it is sent and a node holds one page at a time. `within` as above.
 */
export type ExportStream = (executor: Executor, userId: string, within?: string) => AsyncIterable<unknown[]>;

/** The rows an export `within` one organization keeps: that organization's and those of none. */
export const rowsWithin = <Row extends { organizationId: string | null }>(rows: Row[], within: string | undefined) =>
  within === undefined ? rows : rows.filter((row) => row.organizationId === null || row.organizationId === within);
