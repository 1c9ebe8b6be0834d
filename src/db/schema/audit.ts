import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, jsonb, pgTable, text, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, tstz } from './common.js';

/**
 * Append-only and hash-chained. A row is written unsealed (no seq, prev_hash, hash) in the transaction
 * that made the change; the sealer then gives it the next `seq` and a hash covering its content and the
 * hash of the row at `seq - 1`, so an edited or deleted sealed row breaks the chain at that point.
 * Since chain version 2 the hash covers the payload's digest, not the payload: a person's erasure replaces the
 * payloads naming them (`payload_erased_at`) and every link and digest still holds. Since version 3 it covers the
 * digest of the client's IP address and user agent too, which the erasure empties on the person's own rows.
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
    /**
     * Chain version 2: sha256 of the payload's canonical JSON, written with the row; the hash covers it instead of
     * the payload, so an erasure can replace the payload and the chain still holds. Null on rows of version 1.
     */
    payloadDigest: varchar('payload_digest', { length: 64 }),
    /** When an erasure replaced the payload with `{"erased": true}`; outside the hash, like `subjects`. */
    payloadErasedAt: tstz('payload_erased_at'),
    /** Digests of the entity id and of every address the payload names (src/platform/erasure.ts): how erasure finds the row. */
    subjects: varchar('subjects', { length: 64 }).array(),
    ipAddress: varchar('ip_address', { length: 45 }),
    userAgent: text('user_agent'),
    /**
     * Chain version 3: sha256 of the canonical JSON of `{ ipAddress, userAgent }`, which the hash covers instead of
     * them; written by the sealer (src/modules/audit/sealer.ts says why). Null on unsealed rows and on rows of
     * versions 1 and 2.
     */
    clientDigest: varchar('client_digest', { length: 64 }),
    /** When an erasure emptied the IP address and user agent of a row the person's own request wrote; outside the hash. */
    clientErasedAt: tstz('client_erased_at'),
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
    // A person's rows whatever their entity (the export's trail: `entity_id = person`, newest first, a page at a time).
    index('audit_logs_entity_id_idx').on(t.entityId, t.id),
    index('audit_logs_org_created_idx').on(t.organizationId, t.createdAt.desc().nullsFirst()),
    index('audit_logs_created_at_idx').on(t.createdAt.desc().nullsFirst()),
    uniqueIndex('audit_logs_seq_unique').on(t.seq),
    index('audit_logs_subjects_idx').using('gin', t.subjects),
    index('audit_logs_unsealed_idx').on(t.id).where(sql`${t.seq} IS NULL`),
    check('audit_logs_sealed_whole', sql`(${t.seq} IS NULL) = (${t.hash} IS NULL) AND (${t.hash} IS NULL) = (${t.prevHash} IS NULL)`),
  ],
);
