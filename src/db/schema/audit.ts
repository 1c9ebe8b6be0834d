import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, jsonb, pgTable, text, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt } from './common.js';

/**
 * Append-only and hash-chained. A row is written unsealed (no seq, prev_hash, hash) in the transaction
 * that made the change; the sealer then gives it the next `seq` and a hash covering its content and the
 * hash of the row at `seq - 1`, so an edited or deleted sealed row breaks the chain at that point.
 * No foreign keys: the trail outlives the users and organizations it speaks of.
 */
export const auditLogs = pgTable(
  'audit_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    actorId: uuid('actor_id'),
    organizationId: uuid('organization_id'),
    action: varchar('action', { length: 50 }).notNull(),
    entity: varchar('entity', { length: 50 }).notNull(),
    entityId: varchar('entity_id', { length: 64 }),
    payload: jsonb('payload'),
    ipAddress: varchar('ip_address', { length: 45 }),
    userAgent: text('user_agent'),
    requestId: varchar('request_id', { length: 64 }),
    /** Position in the chain, given at sealing time (not the id: ids are taken before commit, out of order). */
    seq: bigint('seq', { mode: 'number' }),
    prevHash: varchar('prev_hash', { length: 64 }),
    hash: varchar('hash', { length: 64 }),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_actor_idx').on(t.actorId, t.createdAt.desc().nullsFirst()),
    index('audit_logs_entity_idx').on(t.entity, t.entityId),
    index('audit_logs_org_created_idx').on(t.organizationId, t.createdAt.desc().nullsFirst()),
    index('audit_logs_created_at_idx').on(t.createdAt.desc().nullsFirst()),
    uniqueIndex('audit_logs_seq_unique').on(t.seq),
    index('audit_logs_unsealed_idx').on(t.id).where(sql`${t.seq} IS NULL`),
    check('audit_logs_sealed_whole', sql`(${t.seq} IS NULL) = (${t.hash} IS NULL) AND (${t.hash} IS NULL) = (${t.prevHash} IS NULL)`),
  ],
);
