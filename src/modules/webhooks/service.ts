import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { AppContext } from '../../context.js';
import type { Executor, Tx } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import { type Caller, type Principal, type SignedInCaller, systemCaller } from '../../platform/caller.js';
import { isoOrNull } from '../../platform/dates.js';
import { type ErasurePart, subjectsOf } from '../../platform/erasure.js';
import { createOutbound, OutboundRefused } from '../../platform/outbound.js';
import { pagedById } from '../../platform/paging.js';
import { seal } from '../../platform/sealed.js';
import type { Writer } from '../../platform/use-case.js';
import { placementFor, tenantOf } from '../access/service.js';
import { type DomainEvent, type DomainUseCases, domainEvents } from '../events.js';
import type { MailService } from '../mail/service.js';
import type { UsersService } from '../users/service.js';
import { webhookErrors as errors } from './errors.js';
import * as queries from './queries.js';
import type { CreateWebhook, ListDeliveriesQuery, ListWebhooksQuery, Replay, UpdateWebhook } from './schemas.js';
import { newSecret } from './signing.js';
import { createWebhookWorker } from './worker.js';

export interface WebhooksDeps {
  useCases: DomainUseCases;
  mail: MailService;
  /** The /metrics registry the delivery figures join. */
  metrics: Registry;
  /** Who owns a webhook, to mail them when it is disabled. */
  users: Pick<UsersService, 'findById'>;
}

const webhookView = (row: queries.WebhookRow, now = new Date()) => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: row.events,
  organizationId: row.organizationId,
  ownerId: row.ownerId,
  status: row.status as 'ACTIVE' | 'DISABLED',
  failingSince: isoOrNull(row.failingSince),
  disabledAt: isoOrNull(row.disabledAt),
  previousSecretValidUntil:
    row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? isoOrNull(row.previousSecretExpiresAt) : null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const deliveryView = (row: queries.DeliveryRow) => ({
  id: row.id,
  eventType: row.eventType,
  status: row.status as 'PENDING' | 'DELIVERED' | 'FAILED',
  attempts: row.attempts,
  nextAttemptAt: row.status === 'PENDING' ? row.nextAttemptAt.toISOString() : null,
  lastAttemptAt: isoOrNull(row.lastAttemptAt),
  responseStatus: row.responseStatus,
  responseBody: row.responseBody,
  durationMs: row.durationMs,
  error: row.lastError,
  deliveredAt: isoOrNull(row.deliveredAt),
  createdAt: row.createdAt.toISOString(),
});

/**
 * The body every attempt of a delivery sends: `{ type, timestamp, data }`, data naming the entity by its id
 * and version (when the event names one), then its organization and the event's payload.
 */
export function webhookBody(event: DomainEvent, entity: { id: string; version: number } | null, organizationId: string | null, at: Date) {
  const data = {
    ...(entity ?? {}),
    ...(organizationId ? { organizationId } : {}),
    ...((event as { payload?: object }).payload ?? {}),
  };
  return JSON.stringify({ type: event.type, timestamp: at.toISOString(), data });
}

/**
 * Webhooks per the Standard Webhooks specification: endpoints subscribe to public events; each event
 * reaching one is written to the outbox in the transaction that made the change (`record`), then sent
 * after commit by the worker on whichever node claims it.
 */
export function createWebhooksService(context: AppContext, { useCases, mail, metrics, users }: WebhooksDeps) {
  const { config } = context;
  const db = context.database.primary;
  const sealed = (secret: string) => (config.SIGNING_KEY_SECRET ? seal(secret, config.SIGNING_KEY_SECRET) : secret);
  const guard = createOutbound({
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    allowHttp: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
  });

  /** Disables an endpoint failing for longer than WEBHOOK_DISABLE_AFTER, and mails its owner (once: the row is locked). */
  async function disableIfFailingTooLong(webhookId: string, failingSince: Date, now: Date) {
    const cutoff = new Date(now.getTime() - config.WEBHOOK_DISABLE_AFTER);
    if (failingSince > cutoff) return;
    await useCases.run(systemCaller('tessera-webhooks'), async (tx, emit) => {
      const row = await queries.lockFailingSince(tx, webhookId, cutoff);
      if (!row?.failingSince) return;
      await queries.updateWebhook(tx, webhookId, { status: 'DISABLED', disabledAt: now });
      await emit({
        type: 'webhook.disabled',
        entityId: webhookId,
        organizationId: row.organizationId,
        payload: { url: row.url, failingSince: row.failingSince.toISOString() },
      });
      const owner = row.ownerId ? await users.findById(tx, row.ownerId) : undefined;
      if (owner) {
        await mail.enqueue(tx, {
          to: owner.email,
          userId: owner.id,
          template: 'webhookDisabled',
          data: { url: row.url, since: row.failingSince.toISOString() },
        });
      }
    });
  }

  const worker = createWebhookWorker(context, metrics, { failing: disableIfFailingTooLong });

  // An organization's endpoints go with it, each as its own deletion: the foreign key's cascade would remove them unheard.
  useCases.react(['organization.deleted'], async (tx, event, { emit }) => {
    if (!event.entityId) return;
    for (const { id, url } of await queries.deleteWebhooksOfOrganization(tx, event.entityId))
      await emit({ type: 'webhook.deleted', entityId: id, organizationId: event.entityId, payload: { url } });
  });

  async function assertDeliverable(url: string) {
    try {
      await guard.assertAllowedTarget(url);
    } catch (error) {
      if (!(error instanceof OutboundRefused)) throw error;
      throw httpErrors.VALIDATION_FAILED({
        detail: `Tessera will not deliver to this URL: ${error.message}.`,
        errors: [{ path: '/url', message: error.message }],
      });
    }
  }

  /** An event pattern must name a public event, a public entity's "x.*", or "*". */
  function assertKnownEvents(patterns: string[]) {
    const published = Object.entries(domainEvents).filter(([, spec]) => spec.visibility === 'public');
    const known = new Set(['*', ...published.map(([type]) => type), ...published.map(([type]) => `${type.slice(0, type.indexOf('.'))}.*`)]);
    const unknown = patterns.map((pattern, index) => ({ pattern, index })).filter(({ pattern }) => !known.has(pattern));
    if (unknown.length > 0) {
      throw httpErrors.VALIDATION_FAILED({
        detail: 'Webhooks subscribe to public events only (GET /events/catalog lists them).',
        errors: unknown.map(({ pattern, index }) => ({ path: `/events/${index}`, message: `${pattern} is not a public event` })),
      });
    }
  }

  /** The webhook if the caller may manage it: an organization's administrator only their organization's. */
  async function visible(executor: Executor, principal: Principal, id: string) {
    const row = await queries.findWebhook(executor, id);
    const tenant = tenantOf(principal);
    if (!row || (tenant !== undefined && row.organizationId !== tenant)) throw errors.WEBHOOK_NOT_FOUND();
    return row;
  }

  /** One public event's deliveries, one per endpoint subscribed to it (internal events are never delivered). */
  async function enqueue(tx: Tx, event: DomainEvent, caller: Caller) {
    if (domainEvents[event.type].visibility !== 'public') return;
    // An event naming no organization is the organization's its actor is confined to; an actor across
    // organizations (whose default one is only where they land) names none: only webhooks across them hear it.
    const organizationId = event.organizationId ?? (caller.principal ? tenantOf(caller.principal) : undefined) ?? null;
    const endpoints = await queries.subscribedTo(tx, event.type, organizationId);
    if (endpoints.length === 0) return;
    const at = new Date();
    const entity = event.entityId
      ? { id: event.entityId, version: await queries.nextEntityVersion(tx, domainEvents[event.type].entity, event.entityId) }
      : null;
    const body = webhookBody(event, entity, organizationId, at);
    await queries.insertDeliveries(
      tx,
      endpoints,
      event.type,
      body,
      at,
      subjectsOf(event.entityId, (event as { payload?: object }).payload),
    );
    useCases.whenCommitted(worker.wake);
  }

  return {
    /** The outbox writer, registered with the runner in src/modules/index.ts: one delivery per public event and subscribed endpoint. */
    record: (async (tx, events, caller) => {
      for (const event of events) await enqueue(tx, event, caller);
    }) satisfies Writer<DomainEvent>,

    /**
     * Its part of a person's erasure (users calls it): the deliveries naming them are deleted, not blanked. A body
     * is the exact payload every attempt and replay sends; blanked, it would be sent as an event it is not, and
     * nothing else needs a delivery once it is no longer to be sent.
     */
    erasureParts: {
      webhookDeliveries: { erase: (tx, person) => queries.deleteDeliveriesNaming(tx, person.subjects) },
    } satisfies Record<string, ErasurePart>,

    async create(caller: SignedInCaller, body: CreateWebhook) {
      const organizationId = placementFor(caller.principal, body.organizationId, errors.WEBHOOK_OUTSIDE_TENANCY);
      assertKnownEvents(body.events);
      await assertDeliverable(body.url);
      const secret = newSecret();
      const row = await useCases.run(caller, async (tx, emit) => {
        const created = await queries.insertWebhook(tx, {
          url: body.url,
          events: body.events,
          description: body.description ?? null,
          organizationId,
          ownerId: caller.principal.userId,
          secret: sealed(secret),
        });
        await emit({
          type: 'webhook.created',
          entityId: created.id,
          organizationId,
          payload: { url: created.url, events: created.events, organizationId },
        });
        return created;
      });
      return { webhook: webhookView(row), secret };
    },

    async list(caller: SignedInCaller, query: ListWebhooksQuery) {
      const limit = query.limit ?? 20;
      const rows = await queries.listWebhooks(await context.reads.for(caller), {
        organizationId: tenantOf(caller.principal),
        after: pagedById.after(query.cursor),
        limit,
      });
      return pagedById.page(rows, limit, (row) => webhookView(row));
    },

    get: async (caller: SignedInCaller, id: string) => webhookView(await visible(db, caller.principal, id)),

    async update(caller: SignedInCaller, id: string, body: UpdateWebhook) {
      if (body.events) assertKnownEvents(body.events);
      if (body.url) await assertDeliverable(body.url);
      const row = await useCases.run(caller, async (tx, emit) => {
        const before = await visible(tx, caller.principal, id);
        const reactivated = body.status === 'ACTIVE' && before.status !== 'ACTIVE';
        const after = await queries.updateWebhook(tx, id, {
          ...body,
          // Set active again: its failures so far no longer count toward disabling it.
          ...(reactivated ? { failingSince: null, disabledAt: null } : {}),
          ...(body.status === 'DISABLED' && before.status !== 'DISABLED' ? { disabledAt: new Date() } : {}),
        });
        if (!after) throw errors.WEBHOOK_NOT_FOUND();
        await emit({
          type: 'webhook.updated',
          entityId: id,
          organizationId: after.organizationId,
          payload: { fields: Object.keys(body).sort(), url: after.url, events: after.events, status: after.status },
        });
        return after;
      });
      if (row.status === 'ACTIVE') worker.wake();
      return webhookView(row);
    },

    async remove(caller: SignedInCaller, id: string) {
      await useCases.run(caller, async (tx, emit) => {
        const row = await visible(tx, caller.principal, id);
        if (!(await queries.deleteWebhook(tx, id))) throw errors.WEBHOOK_NOT_FOUND();
        await emit({ type: 'webhook.deleted', entityId: id, organizationId: row.organizationId, payload: { url: row.url } });
      });
    },

    /** A new secret; the current one keeps signing too for WEBHOOK_SECRET_GRACE, so receivers can switch without a gap. */
    async rotateSecret(caller: SignedInCaller, id: string) {
      const secret = newSecret();
      const validUntil = new Date(Date.now() + config.WEBHOOK_SECRET_GRACE);
      await useCases.run(caller, async (tx, emit) => {
        const row = await visible(tx, caller.principal, id);
        await queries.updateWebhook(tx, id, { secret: sealed(secret), previousSecret: row.secret, previousSecretExpiresAt: validUntil });
        await emit({
          type: 'webhook.secret_rotated',
          entityId: id,
          organizationId: row.organizationId,
          payload: { previousValidUntil: validUntil.toISOString() },
        });
      });
      return { secret, previousSecretValidUntil: validUntil.toISOString() };
    },

    /** A `webhook.test` event to this endpoint alone, delivered like any other. */
    async sendTest(caller: SignedInCaller, id: string) {
      const row = await visible(db, caller.principal, id);
      const at = new Date();
      const body = JSON.stringify({
        type: 'webhook.test',
        timestamp: at.toISOString(),
        data: { id: row.id, organizationId: row.organizationId },
      });
      const [delivery] = await queries.insertDeliveries(db, [row.id], 'webhook.test', body, at);
      worker.wake();
      const created = await queries.findDelivery(db, row.id, delivery?.id as string);
      return deliveryView(created as queries.DeliveryRow);
    },

    async deliveries(caller: SignedInCaller, id: string, query: ListDeliveriesQuery) {
      const reader = await context.reads.for(caller);
      await visible(reader, caller.principal, id);
      const limit = query.limit ?? 20;
      const rows = await queries.listDeliveries(reader, id, { status: query.status, beforeId: pagedById.after(query.cursor), limit });
      return pagedById.page(rows, limit, deliveryView);
    },

    /** Sends one delivery again from its first attempt, with the same webhook-id. */
    async retry(caller: SignedInCaller, id: string, deliveryId: string) {
      await visible(db, caller.principal, id);
      if ((await queries.requeue(db, id, { id: deliveryId })) === 0) throw errors.WEBHOOK_DELIVERY_NOT_FOUND();
      worker.wake();
      return deliveryView((await queries.findDelivery(db, id, deliveryId)) as queries.DeliveryRow);
    },

    /** Sends again every delivery made to this endpoint in a time range (or only the failed ones). */
    async replay(caller: SignedInCaller, id: string, body: Replay) {
      await visible(db, caller.principal, id);
      const [from, to] = [new Date(body.from), new Date(body.to)];
      if (from > to)
        throw httpErrors.VALIDATION_FAILED({ detail: 'from must not be after to.', errors: [{ path: '/from', message: 'after to' }] });
      const replayed = await queries.requeue(db, id, { from, to, onlyFailed: body.onlyFailed });
      if (replayed > 0) worker.wake();
      return { replayed };
    },

    /** Sends what is due at `now` (tests drive the clock; the worker polls with the real one). */
    deliverDue: (now?: Date) => worker.deliverDue(now),
    start: async (log: FastifyBaseLogger) => worker.start(log),
    stop: async () => {
      await worker.stop();
      await guard.close();
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
