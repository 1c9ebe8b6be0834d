import { and, arrayOverlaps, count, eq, inArray, isNotNull, isNull, lt, lte, min, notInArray, or, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/client.js';
import { eachGivenEquals, inRange } from '../../db/filters.js';
import { type OrganizationPage, pageById, pageWithinOrganization } from '../../db/pages.js';
import { rowsById, rowsOfOwner } from '../../db/rows.js';
import { newId } from '../../db/schema/common.js';
import { webhookDeliveries, webhookEntityVersions, webhooks } from '../../db/schema/index.js';
import type { AtCap, Shares } from './pool.js';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewWebhook = typeof webhooks.$inferInsert;

const webhookRows = rowsById(webhooks);
export const insertWebhook = webhookRows.insert;
export const findWebhook = webhookRows.find;
export const updateWebhook = webhookRows.update;
export const deleteWebhook = webhookRows.remove;

/** Webhooks page by id (time-ordered): within one organization, or all of them. */
export const listWebhooks = (db: Executor, page: OrganizationPage) => pageWithinOrganization(db, webhooks, page);

/** An organization's endpoints, deleted (their deliveries with them): what each was. */
export function deleteWebhooksOfOrganization(tx: Executor, organizationId: string) {
  return tx.delete(webhooks).where(eq(webhooks.organizationId, organizationId)).returning({ id: webhooks.id, url: webhooks.url });
}

/** The active endpoints an event reaches: subscribed to its type, its entity's "x.*" or "*", and in its organization (or every one). */
export async function subscribedTo(tx: Executor, type: string, organizationId: string | null): Promise<string[]> {
  const entity = type.slice(0, type.indexOf('.'));
  const rows = await tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.status, 'ACTIVE'),
        arrayOverlaps(webhooks.events, [type, `${entity}.*`, '*']),
        organizationId ? or(isNull(webhooks.organizationId), eq(webhooks.organizationId, organizationId)) : isNull(webhooks.organizationId),
      ),
    );
  return rows.map((row) => row.id);
}

/** `subjects`: whom the body names (src/platform/erasure.ts), for the person's erasure. */
export async function insertDeliveries(
  tx: Executor,
  webhookIds: string[],
  eventType: string,
  body: string,
  at: Date,
  subjects: string[] | null = null,
) {
  if (webhookIds.length === 0) return [];
  return tx
    .insert(webhookDeliveries)
    .values(webhookIds.map((webhookId) => ({ id: newId(), webhookId, eventType, body, subjects, nextAttemptAt: at, createdAt: at })))
    .returning({ id: webhookDeliveries.id });
}

/** A person's erasure: every delivery whose body names them (by id or address), whatever its state; how many. */
export async function deleteDeliveriesNaming(tx: Executor, subjects: string[]) {
  const rows = await tx
    .delete(webhookDeliveries)
    .where(arrayOverlaps(webhookDeliveries.subjects, subjects))
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

/** The entity's next version: 1 the first time, then one more each call; the row lock orders concurrent writers. */
export async function nextEntityVersion(tx: Executor, entity: string, entityId: string): Promise<number> {
  const [row] = await tx
    .insert(webhookEntityVersions)
    .values({ entity, entityId, version: 1 })
    .onConflictDoUpdate({
      target: [webhookEntityVersions.entity, webhookEntityVersions.entityId],
      set: { version: sql`${webhookEntityVersions.version} + 1` },
    })
    .returning({ version: webhookEntityVersions.version });
  return (row as { version: number }).version;
}

export type Claimed = DeliveryRow &
  Pick<WebhookRow, 'url' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt' | 'failingSince' | 'organizationId'>;

// The status as a literal, not a bound parameter: a plan made for any status (a prepared statement's generic plan)
// could not use webhook_deliveries_pending_idx, whose condition this is.
const pendingAt = (now: Date) => and(sql`${webhookDeliveries.status} = 'PENDING'`, lte(webhookDeliveries.nextAttemptAt, now));
const dueAt = (now: Date) => and(pendingAt(now), eq(webhooks.status, 'ACTIVE'));

/** Rows whose nullable `column` is none of `values`, a null among them excluding the rows where it is null. */
function noneOf(column: AnyPgColumn, values: (string | null)[]) {
  const named = values.filter((value) => value !== null);
  const notNamed = named.length > 0 ? notInArray(column, named) : undefined;
  if (values.includes(null)) return and(isNotNull(column), notNamed);
  return notNamed && or(isNull(column), notNamed);
}

/**
 * The endpoints with a pending delivery, as a FROM item: a skip scan of `webhook_deliveries_pending_idx`, one probe
 * per such endpoint (each step asks for the first endpoint after the last one found). Endpoints with nothing
 * pending, most of them at most times, cost nothing: with 20,000 of them a pass looked at every one. A disabled
 * endpoint keeps what was pending when it stopped (for its resumption), so it is still visited, and skipped.
 */
const endpointsWithPending = sql`(
  WITH RECURSIVE found(webhook_id) AS (
    (SELECT ${webhookDeliveries.webhookId} FROM ${webhookDeliveries}
     WHERE ${webhookDeliveries.status} = 'PENDING' ORDER BY ${webhookDeliveries.webhookId} LIMIT 1)
    UNION ALL
    SELECT (SELECT ${webhookDeliveries.webhookId} FROM ${webhookDeliveries}
            WHERE ${webhookDeliveries.status} = 'PENDING' AND ${webhookDeliveries.webhookId} > found.webhook_id
            ORDER BY ${webhookDeliveries.webhookId} LIMIT 1)
    FROM found WHERE found.webhook_id IS NOT NULL
  )
  SELECT webhook_id FROM found WHERE webhook_id IS NOT NULL
) AS with_pending`;

/**
 * Due deliveries of active endpoints, oldest first: at most `perEndpoint` of each endpoint and `perOrganization`
 * of each organization, none of those `atCap`, so a backlog for one endpoint or one tenant cannot fill the list.
 * Each endpoint's oldest few are read through `webhook_deliveries_pending_idx` (a LATERAL per endpoint with a
 * pending delivery): the cost follows those endpoints, not how many deliveries are due nor how many endpoints
 * there are. Read without locks; `claimDue` takes what is still due.
 */
export async function findDue(db: Executor, now: Date, filter: Omit<Shares, 'slots'> & { limit: number; atCap: AtCap }) {
  const oldest = db
    .select({ id: webhookDeliveries.id, webhookId: webhookDeliveries.webhookId, nextAttemptAt: webhookDeliveries.nextAttemptAt })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhooks.id), pendingAt(now)))
    .orderBy(webhookDeliveries.nextAttemptAt, webhookDeliveries.id)
    .limit(filter.perEndpoint)
    .as('oldest');
  const ranked = db
    .select({
      id: oldest.id,
      webhookId: oldest.webhookId,
      organizationId: webhooks.organizationId,
      nextAttemptAt: oldest.nextAttemptAt,
      // Partitions put every null in one group: the platform-wide endpoints share one organization's cap.
      rank: sql<number>`row_number() over (partition by ${webhooks.organizationId} order by ${oldest.nextAttemptAt}, ${oldest.id})`.as(
        'rank',
      ),
    })
    .from(endpointsWithPending)
    .innerJoin(webhooks, sql`${webhooks.id} = with_pending.webhook_id`)
    .crossJoinLateral(oldest)
    .where(
      and(
        eq(webhooks.status, 'ACTIVE'),
        filter.atCap.endpoints.length > 0 ? notInArray(webhooks.id, filter.atCap.endpoints) : undefined,
        noneOf(webhooks.organizationId, filter.atCap.organizations),
      ),
    )
    .as('ranked');
  return db
    .select({ id: ranked.id, webhookId: ranked.webhookId, organizationId: ranked.organizationId })
    .from(ranked)
    .where(lte(ranked.rank, filter.perOrganization))
    .orderBy(ranked.nextAttemptAt, ranked.id)
    .limit(filter.limit);
}

/**
 * Claims those of `ids` still due (of an active endpoint) by pushing their next attempt out by a lease: no
 * transaction stays open while a receiver answers, and while the lease lasts no other node (SKIP LOCKED,
 * then the moved time) sends the same delivery.
 */
export async function claimDue(db: Executor, now: Date, ids: string[], leaseMs: number): Promise<Claimed[]> {
  if (ids.length === 0) return [];
  const due = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(and(inArray(webhookDeliveries.id, ids), dueAt(now)))
    .for('update', { of: webhookDeliveries, skipLocked: true });
  const claimed = await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: new Date(now.getTime() + leaseMs) })
    .where(inArray(webhookDeliveries.id, due))
    .returning();
  if (claimed.length === 0) return [];
  const endpoints = await db
    .select({
      id: webhooks.id,
      url: webhooks.url,
      secret: webhooks.secret,
      previousSecret: webhooks.previousSecret,
      previousSecretExpiresAt: webhooks.previousSecretExpiresAt,
      failingSince: webhooks.failingSince,
      organizationId: webhooks.organizationId,
    })
    .from(webhooks)
    .where(inArray(webhooks.id, [...new Set(claimed.map((row) => row.webhookId))]));
  const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
  return claimed.flatMap((row) => {
    const endpoint = byId.get(row.webhookId);
    return endpoint ? [{ ...row, ...endpoint, id: row.id }] : [];
  });
}

export interface AttemptOutcome {
  at: Date;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number;
  error: string | null;
}

const attemptFields = (outcome: AttemptOutcome) => ({
  lastAttemptAt: outcome.at,
  responseStatus: outcome.responseStatus,
  responseBody: outcome.responseBody,
  durationMs: outcome.durationMs,
  lastError: outcome.error,
});

export async function markDelivered(db: Executor, row: Claimed, outcome: AttemptOutcome) {
  await db
    .update(webhookDeliveries)
    .set({ ...attemptFields(outcome), attempts: row.attempts + 1, status: 'DELIVERED', deliveredAt: outcome.at })
    .where(eq(webhookDeliveries.id, row.id));
  await db
    .update(webhooks)
    .set({ failingSince: null })
    .where(and(eq(webhooks.id, row.webhookId), sql`${webhooks.failingSince} IS NOT NULL`));
}

/** A failed attempt: retried at `next`, or failed for good when there is none. */
export async function markFailed(db: Executor, row: Claimed, outcome: AttemptOutcome, next: Date | null) {
  await db
    .update(webhookDeliveries)
    .set({
      ...attemptFields(outcome),
      attempts: row.attempts + 1,
      status: next ? 'PENDING' : 'FAILED',
      ...(next ? { nextAttemptAt: next } : {}),
    })
    .where(eq(webhookDeliveries.id, row.id));
  await db
    .update(webhooks)
    .set({ failingSince: outcome.at })
    .where(and(eq(webhooks.id, row.webhookId), isNull(webhooks.failingSince)));
}

/** An active endpoint failing since before `cutoff` (locked: one node disables it). */
export async function lockFailingSince(tx: Executor, id: string, cutoff: Date) {
  const [row] = await tx
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.status, 'ACTIVE'), lt(webhooks.failingSince, cutoff)))
    .for('update');
  return row;
}

/** A delivery of this webhook; another webhook's reads as none. */
export const findDelivery = rowsOfOwner(webhookDeliveries, webhookDeliveries.webhookId).find;

/** Newest first, by id (time-ordered). */
export const listDeliveries = (db: Executor, webhookId: string, filter: { status?: string; beforeId?: string; limit: number }) =>
  pageById(db, webhookDeliveries, {
    where: and(eq(webhookDeliveries.webhookId, webhookId), eachGivenEquals(filter, { status: webhookDeliveries.status })),
    order: 'newest',
    after: filter.beforeId,
    take: filter.limit + 1,
  });

/** Sends deliveries again from the first attempt (same webhook-id): one by id, or those made in a time range. */
export async function requeue(db: Executor, webhookId: string, which: { id?: string; from?: Date; to?: Date; onlyFailed?: boolean }) {
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: 'PENDING', attempts: 0, nextAttemptAt: new Date(), deliveredAt: null })
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        eachGivenEquals(which, { id: webhookDeliveries.id }),
        inRange(webhookDeliveries.createdAt, which.from, which.to),
        which.onlyFailed ? eq(webhookDeliveries.status, 'FAILED') : undefined,
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return rows.length;
}

/** Deliveries waiting to be sent, and how long the oldest has waited (the metrics). */
export async function queueFigures(db: Executor) {
  const [row] = await db
    .select({ pending: count(), oldest: min(webhookDeliveries.createdAt) })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.status, 'PENDING'));
  return { pending: Number(row?.pending ?? 0), oldest: row?.oldest ? new Date(row.oldest) : null };
}
