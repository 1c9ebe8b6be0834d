import { asc, desc, gt, sql } from 'drizzle-orm';
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
