import { and, asc, desc, eq, gt, gte, lt, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditLogs } from '../../db/schema/index.js';

// Audit writes take turns so that each row can name the hash of the one before it.
const AUDIT_CHAIN_LOCK = 5_112_730_044;

export async function lockChain(db: Executor) {
  await db.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
}

export async function lastHash(db: Executor): Promise<string | undefined> {
  const [row] = await db.select({ hash: auditLogs.hash }).from(auditLogs).orderBy(desc(auditLogs.id)).limit(1);
  return row?.hash;
}

export async function insertAuditRow(db: Executor, row: typeof auditLogs.$inferInsert) {
  await db.insert(auditLogs).values(row);
}

export async function auditRowsAfter(db: Executor, afterId: number, limit: number) {
  return db.select().from(auditLogs).where(gt(auditLogs.id, afterId)).orderBy(asc(auditLogs.id)).limit(limit);
}

export interface AuditFilter {
  organizationId?: string;
  actorId?: string;
  entity?: string;
  entityId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  beforeId?: number;
}

/** Newest first, keyset on the id (the chain's own order). */
export async function listAuditRows(db: Executor, filter: AuditFilter, limit: number) {
  return db
    .select()
    .from(auditLogs)
    .where(
      and(
        filter.organizationId ? eq(auditLogs.organizationId, filter.organizationId) : undefined,
        filter.actorId ? eq(auditLogs.actorId, filter.actorId) : undefined,
        filter.entity ? eq(auditLogs.entity, filter.entity) : undefined,
        filter.entityId ? eq(auditLogs.entityId, filter.entityId) : undefined,
        filter.action ? eq(auditLogs.action, filter.action) : undefined,
        filter.from ? gte(auditLogs.createdAt, filter.from) : undefined,
        filter.to ? lte(auditLogs.createdAt, filter.to) : undefined,
        filter.beforeId ? lt(auditLogs.id, filter.beforeId) : undefined,
      ),
    )
    .orderBy(desc(auditLogs.id))
    .limit(limit + 1);
}
