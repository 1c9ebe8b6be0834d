import { bigserial, index, jsonb, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt } from './common.js';

/**
 * Append-only and hash-chained: each row's hash covers its content and the previous row's hash,
 * so an edited or deleted row breaks the chain at that point. No foreign keys: the trail
 * outlives the users and organizations it speaks of.
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
    prevHash: varchar('prev_hash', { length: 64 }).notNull(),
    hash: varchar('hash', { length: 64 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_logs_actor_idx').on(t.actorId, t.createdAt.desc().nullsFirst()),
    index('audit_logs_entity_idx').on(t.entity, t.entityId),
    index('audit_logs_org_created_idx').on(t.organizationId, t.createdAt.desc().nullsFirst()),
    index('audit_logs_created_at_idx').on(t.createdAt.desc().nullsFirst()),
  ],
);
