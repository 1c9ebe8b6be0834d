import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ownedBy, tstz, updatedAt } from './common.js';
import { organizations } from './organizations.js';
import { users } from './users.js';

/** An endpoint that receives Tessera's public events, signed per the Standard Webhooks specification. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: id(),
    url: varchar('url', { length: 2000 }).notNull(),
    description: varchar('description', { length: 500 }),
    // Event types or patterns ("user.created", "user.*", "*").
    events: text('events').array().notNull(),
    // Set: only that organization's events; null: every organization's (cross-tenant administrators only).
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    // Who is mailed when the endpoint is disabled.
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    // AES-256-GCM envelopes under SIGNING_KEY_SECRET; never answered after creation or rotation.
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: tstz('previous_secret_expires_at'),
    status: varchar('status', { length: 20 }).notNull().default('ACTIVE'),
    // When the current run of failed deliveries began (null while deliveries succeed).
    failingSince: tstz('failing_since'),
    disabledAt: tstz('disabled_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhooks_status_idx').on(t.status)],
);

/**
 * The webhook outbox: one row per event and endpoint, written in the transaction that made the change,
 * sent after commit by whichever node claims it first. `id` is the `webhook-id` every attempt carries.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    webhookId: ownedBy('webhook_id', () => webhooks.id),
    eventType: varchar('event_type', { length: 100 }).notNull(),
    // The exact body every attempt sends: `{ type, timestamp, data }`.
    body: text('body').notNull(),
    /** Digests of the entity id and of every address the body names (src/platform/erasure.ts): how erasure finds the row. */
    subjects: varchar('subjects', { length: 64 }).array(),
    status: varchar('status', { length: 20 }).notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at').notNull().defaultNow(),
    lastAttemptAt: tstz('last_attempt_at'),
    responseStatus: integer('response_status'),
    // The first kilobyte of the receiver's last answer.
    responseBody: text('response_body'),
    durationMs: integer('duration_ms'),
    lastError: text('last_error'),
    deliveredAt: tstz('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    // The claim reads each endpoint's oldest due deliveries from here, so its cost follows the endpoints and the
    // few rows it may take, not the backlog; sent and failed rows stay out of it.
    index('webhook_deliveries_pending_idx').on(t.webhookId, t.nextAttemptAt, t.id).where(sql`${t.status} = 'PENDING'`),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt),
    index('webhook_deliveries_subjects_idx').using('gin', t.subjects),
  ],
);

/**
 * Each entity's version as webhooks deliver it: bumped (row-locked) in the transaction of every public event
 * about the entity that some endpoint receives, so two changes to one entity carry increasing versions in
 * the order they committed, whatever order their deliveries arrive in.
 */
export const webhookEntityVersions = pgTable(
  'webhook_entity_versions',
  {
    // The catalogue's entity name (user, organization, role …) and the id its events name.
    entity: varchar('entity', { length: 50 }).notNull(),
    entityId: text('entity_id').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.entity, t.entityId] })],
);
