import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AppContext } from '../../context.js';
import { createOutbound } from '../../platform/outbound.js';
import { unseal } from '../../platform/sealed.js';
import { createDeliveryPool } from './pool.js';
import { type AttemptOutcome, type Claimed, claimDue, findDue, markDelivered, markFailed, queueFigures } from './queries.js';
import { retryAfterMs, signedHeaders } from './signing.js';

/** After the first attempt fails: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then the delivery has failed. */
export const RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
/** Each wait is stretched or shrunk by up to this share, so endpoints that failed together are not retried together. */
export const JITTER = 0.1;
/** The longest a receiver's Retry-After may push an attempt out. */
const MAX_RETRY_AFTER_MS = 86_400_000;
/** Attempts one node runs at once. */
const SLOTS = 20;
/** Attempts to one endpoint one node runs at once: an endpoint that hangs holds these slots, never the others. */
const PER_ENDPOINT = 4;
const RESPONSE_KEPT = 1024;

type WorkerLog = Pick<FastifyBaseLogger, 'warn' | 'info'>;

/** When the next attempt is due after `attempts` failed ones, or null when that was the last. */
export function nextAttempt(attempts: number, now: Date, retryAfter: number | undefined, random = Math.random): Date | null {
  const base = RETRY_SCHEDULE_MS[attempts - 1];
  if (base === undefined) return null;
  const jittered = base * (1 + (random() * 2 - 1) * JITTER);
  const wait = retryAfter === undefined ? jittered : Math.max(jittered, Math.min(retryAfter, MAX_RETRY_AFTER_MS));
  return new Date(now.getTime() + wait);
}

export interface WorkerHooks {
  /** A failed attempt of an endpoint that has been failing since `failingSince`. */
  failing(webhookId: string, failingSince: Date, now: Date): Promise<void>;
}

/**
 * Sends the webhook outbox after commit, on every node: a pool of attempts that claims what is due as soon
 * as a slot frees (SKIP LOCKED and a lease longer than the timeout, so one node sends a delivery at a time),
 * at most PER_ENDPOINT at once to one endpoint and WEBHOOK_ORGANIZATION_CONCURRENCY for one organization, signs each attempt afresh and records its outcome. Never
 * holds a transaction open while a receiver answers.
 */
export function createWebhookWorker(context: AppContext, registry: Registry, hooks: WorkerHooks) {
  const { config, database } = context;
  const secretKey = config.SIGNING_KEY_SECRET;
  const timeoutMs = config.WEBHOOK_TIMEOUT;
  // Longer than any attempt can take (the timeout bounds it), so a lease only lapses when its node died mid-attempt.
  const leaseMs = 2 * timeoutMs + 5_000;
  const outbound = createOutbound({
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    allowHttp: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    timeoutMs,
  });
  const outcomes = new Counter({
    name: 'tessera_webhook_deliveries_total',
    help: 'Webhook deliveries finished on this node, by outcome (delivered, failed after the last retry)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const failedAttempts = new Counter({
    name: 'tessera_webhook_attempts_failed_total',
    help: 'Webhook delivery attempts that failed on this node (each is retried until the schedule ends)',
    registers: [registry],
  });
  const figures = () => queueFigures(database.primary);
  new Gauge({
    name: 'tessera_webhook_queue_depth',
    help: 'Webhook deliveries waiting to be sent (including those being retried)',
    registers: [registry],
    async collect() {
      this.set((await figures()).pending);
    },
  });
  new Gauge({
    name: 'tessera_webhook_oldest_pending_seconds',
    help: 'Age of the oldest webhook delivery still waiting to be sent (0 when none)',
    registers: [registry],
    async collect() {
      const { oldest } = await figures();
      this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    },
  });

  const secretsAt = (row: Claimed, now: Date) => [
    unseal(row.secret, secretKey),
    ...(row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now
      ? [unseal(row.previousSecret, secretKey)]
      : []),
  ];

  /** One attempt started at `now`; `ended` is `now` plus its duration (so it follows a driven clock too). */
  async function attempt(row: Claimed, now: Date): Promise<{ outcome: AttemptOutcome; ended: Date; ok: boolean; retryAfter?: number }> {
    const started = performance.now();
    const outcome = (status: number | null, body: string | null, error: string | null) => ({
      at: now,
      responseStatus: status,
      responseBody: body,
      durationMs: Math.round(performance.now() - started),
      error,
    });
    const endedAt = (result: AttemptOutcome) => new Date(now.getTime() + result.durationMs);
    try {
      // Any 2xx is a delivery (Standard Webhooks), however long its body: only the part kept is read.
      const response = await outbound.fetchHead(
        row.url,
        { method: 'POST', headers: signedHeaders(secretsAt(row, now), row.id, now, row.body), body: row.body },
        RESPONSE_KEPT,
      );
      const ok = response.status >= 200 && response.status < 300;
      const answered = outcome(response.status, response.head, ok ? null : `answered ${response.status}`);
      const ended = endedAt(answered);
      return { outcome: answered, ended, ok, retryAfter: retryAfterMs(response.headers.get('retry-after'), ended) };
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describe(error);
      const failed = outcome(null, null, reason.slice(0, 500));
      return { outcome: failed, ended: endedAt(failed), ok: false };
    }
  }

  async function send(row: Claimed, now: Date, log: WorkerLog) {
    const { outcome, ended, ok, retryAfter } = await attempt(row, now);
    if (ok) {
      await markDelivered(database.primary, row, outcome);
      outcomes.inc({ outcome: 'delivered' });
      return;
    }
    // Measured from the attempt's end: after a timeout the retry still waits its full delay.
    const next = nextAttempt(row.attempts + 1, ended, retryAfter);
    await markFailed(database.primary, row, outcome, next);
    failedAttempts.inc();
    if (!next) outcomes.inc({ outcome: 'failed' });
    log.warn({ webhookId: row.webhookId, deliveryId: row.id, attempt: row.attempts + 1, error: outcome.error }, 'webhook delivery failed');
    await hooks.failing(row.webhookId, row.failingSince ?? now, now);
  }

  const shares = { slots: SLOTS, perEndpoint: PER_ENDPOINT, perOrganization: config.WEBHOOK_ORGANIZATION_CONCURRENCY };
  const outbox = createDeliveryPool<Claimed, WorkerLog>({
    ...shares,
    pollMs: config.WEBHOOK_POLL_INTERVAL,
    failure: 'webhook delivery pass failed',
    find: (at, limit, atCap) => findDue(database.primary, at, { ...shares, limit, atCap }),
    claim: (at, ids) => claimDue(database.primary, at, ids, leaseMs),
    send,
  });

  return {
    /** Sends what is due at `now` until nothing is and no attempt is open; returns how many attempts were made. */
    deliverDue: (now?: Date, passLog: WorkerLog = outbox.log() ?? silent) => outbox.drain(passLog, now),
    /** A delivery was committed: send it now rather than at the next poll. */
    wake: outbox.wake,
    start: outbox.start,
    async stop() {
      await outbox.stop();
      await outbound.close();
    },
  };
}

const silent: WorkerLog = { warn: () => {}, info: () => {} } as unknown as WorkerLog;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
