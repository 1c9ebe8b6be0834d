import { randomUUID } from 'node:crypto';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { seedPreset } from '../src/modules/access/service.js';
import { eventCatalog } from '../src/modules/events.js';
import { fitting } from '../src/modules/webhooks/pool.js';
import { RETRY_SCHEDULE_MS } from '../src/modules/webhooks/worker.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, createPeer, type Harness, testConfig } from './helpers/app.js';
import { createOrganization, createUser, loginAs } from './helpers/auth.js';
import { driver } from './helpers/databases.js';
import { pagesOf } from './helpers/pages-of.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

type Session = Awaited<ReturnType<typeof loginAs>>;

describe(`webhooks (${driver})`, () => {
  let h: Harness;
  let receiver: WebhookReceiver;
  let admin: Session;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await createHarness({
      // No polling: each node sends what its own commits wake it for, and what a test's driven pass finds due.
      config: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT: '10s', WEBHOOK_SECRET_GRACE: '1h', WEBHOOK_POLL_INTERVAL: '1h' },
    });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const subscribe = async (path: string, events: string[], as: Session = admin, extra: Record<string, unknown> = {}) => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/webhooks',
      headers: as.headers,
      payload: { url: receiver.url(path), events, ...extra },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { webhook: { id: string; organizationId: string | null }; secret: string };
  };
  /** Another node on the same database with some settings of its own. */
  const withConfig = (settings: Partial<Harness['context']['config']>): Harness => ({
    ...h,
    context: { ...h.context, config: { ...h.context.config, ...settings } },
  });
  const deliveryRows = (webhookId: string) =>
    queryRows<{ id: string; status: string; attempts: number; next_attempt_at: Date; event_type: string }>(
      h.context.database.primary,
      sql`SELECT id, status, attempts, next_attempt_at, event_type FROM webhook_deliveries WHERE webhook_id = ${webhookId} ORDER BY created_at`,
    );
  // Events about an entity that exists (the activity log and other reactions follow the id): a user of its own.
  const emitEach = async (events: { type: string; payload: unknown }[], entityId: string) => {
    for (const event of events) {
      await h.app.modules.useCases.run(systemCaller('webhooks-test'), (_tx, emit) =>
        emit({ type: event.type, entityId, payload: event.payload } as Parameters<typeof emit>[0]),
      );
    }
  };

  it('delivers each public event type once, signed per Standard Webhooks, with the public payload naming the entity', async () => {
    const publicTypes = eventCatalog().map((event) => event.type);
    const [{ mark } = { mark: 0 }] = await queryRows<{ mark: number }>(
      h.context.database.primary,
      sql`SELECT coalesce(max(id), 0)::int AS mark FROM audit_logs`,
    );
    const { secret } = await subscribe('/all', ['*']);
    // A real change through the API first: its body is the event's public payload.
    const organizationId = await createOrganization(h, admin, 'Webhook Org');
    const [first] = await receiver.until('/all', 1);
    const body = receiver.verify(first as never, secret) as { type: string; timestamp: string };
    expect(body).toMatchObject({
      type: 'organization.created',
      data: { id: organizationId, version: 1, organizationId, name: 'Webhook Org', slug: 'webhook-org' },
    });
    expect(Math.abs(new Date(body.timestamp).getTime() - Date.now())).toBeLessThan(60_000);

    // Then every other type in the catalogue, each emitted through the use-case runner with a payload its schema accepts.
    const subject = await createUser(h);
    await emitEach(
      eventCatalog()
        .filter((event) => event.type !== 'organization.created')
        .map((event) => ({ type: event.type, payload: event.payload ? Value.Create(event.payload) : undefined })),
      subject.id,
    );
    // What committed is what the audit trail holds: each public event of it (reactions' own included) is delivered once.
    const committed = (
      await queryRows<{ action: string }>(h.context.database.primary, sql`SELECT action FROM audit_logs WHERE id > ${mark} ORDER BY action`)
    )
      .map((row) => row.action)
      .filter((action) => publicTypes.includes(action));
    // One endpoint takes four at a time: about 70 deliveries can outlast the default 15 s wait on a loaded machine.
    const all = await receiver.until('/all', committed.length, 45_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.at('/all')).toHaveLength(committed.length);
    const types = all.map((request) => (receiver.verify(request, secret) as { type: string }).type).sort();
    expect(types).toEqual(committed);
    expect(new Set(types)).toEqual(new Set(publicTypes));
    expect(new Set(all.map((request) => request.id)).size).toBe(all.length);
    for (const request of all) expect(request.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // Each body's data is what the catalogue says a delivery holds: the entity's id and version, then the payload.
    const dataSchemas = new Map(eventCatalog().map((event) => [event.type, event.data]));
    for (const request of all) {
      const { type, data } = receiver.verify(request, secret) as { type: string; data: { id?: string; version?: number } };
      expect(Value.Errors(dataSchemas.get(type) as TSchema, data).First(), type).toBeUndefined();
      if (data.id) expect(data.version, type).toBeGreaterThanOrEqual(1);
    }
    // Internal events (sign-ins, webhook changes) are never delivered.
    expect(types).not.toContain('webhook.created');
    expect(types).not.toContain('auth.login');
  }, 60_000);

  it("carries the entity's version, one more for each change, so a receiver can order them", async () => {
    const { secret } = await subscribe('/versions', ['user.updated']);
    const subject = await createUser(h);
    for (const firstName of ['Ada', 'Grace']) {
      const response = await h.app.inject({ method: 'PATCH', url: `/users/${subject.id}`, headers: admin.headers, payload: { firstName } });
      expect(response.statusCode, response.body).toBe(200);
    }
    const bodies = (await receiver.until('/versions', 2)).map(
      (request) => receiver.verify(request, secret) as { data: { id: string; version: number; changes: { firstName: { after: string } } } },
    );
    expect(bodies.map((body) => body.data.id)).toEqual([subject.id, subject.id]);
    // Whatever order they arrive in, the greater version is the later change.
    const [older, newer] = [...bodies].sort((a, b) => a.data.version - b.data.version);
    expect((newer?.data.version ?? 0) - (older?.data.version ?? 0)).toBe(1);
    expect([older?.data.changes.firstName.after, newer?.data.changes.firstName.after]).toEqual(['Ada', 'Grace']);
  });

  it('delivers nothing for a change that rolled back', async () => {
    const { webhook } = await subscribe('/rolled', ['organization.*', 'user.*']);
    await expect(
      h.app.modules.useCases.run(systemCaller('webhooks-test'), async (_tx, emit) => {
        await emit({ type: 'organization.deleted', entityId: randomUUID() });
        throw new Error('the change fails after its event');
      }),
    ).rejects.toThrow('the change fails');
    // And through the API: a slug already taken answers 409 and publishes nothing.
    await createOrganization(h, admin, 'Taken Slug');
    const taken = await h.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: admin.headers,
      payload: { name: 'Other', slug: 'taken-slug' },
    });
    expect(taken.statusCode).toBe(409);
    await receiver.until('/rolled', 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.at('/rolled').map((request) => JSON.parse(request.body).type)).toEqual(['organization.created']);
    expect((await deliveryRows(webhook.id)).map((row) => row.event_type)).toEqual(['organization.created']);
  });

  it('retries a failing receiver on the schedule, honouring Retry-After, with the same webhook-id and fresh signed timestamps', async () => {
    receiver.answer('/flaky', { status: 500 }, { status: 503, headers: { 'retry-after': '900' } }, { status: 502 });
    const { webhook, secret } = await subscribe('/flaky', ['organization.created']);
    await createOrganization(h, admin, 'Flaky Org');
    await receiver.until('/flaky', 1);
    const waits: number[] = [];
    let lastAttempt = receiver.at('/flaky')[0]?.timestamp as number;
    for (let attempt = 2; attempt <= 4; attempt++) {
      const row = await vi.waitFor(async () => {
        const [found] = await deliveryRows(webhook.id);
        if (found?.attempts !== attempt - 1) throw new Error('attempt not recorded yet');
        return found;
      });
      expect(row.status).toBe('PENDING');
      const due = new Date(row.next_attempt_at);
      waits.push(due.getTime() / 1000 - lastAttempt);
      // Driven clock: nothing is sent a second early, then it is sent when due.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date(due.getTime() - 1000));
      await h.app.modules.webhooks.deliverDue(new Date(due.getTime() - 1000));
      expect(receiver.at('/flaky')).toHaveLength(attempt - 1);
      vi.setSystemTime(due);
      await h.app.modules.webhooks.deliverDue(due);
      await receiver.until('/flaky', attempt);
      lastAttempt = Math.floor(due.getTime() / 1000);
    }
    const requests = receiver.at('/flaky');
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((request) => request.id)).size).toBe(1);
    expect(new Set(requests.map((request) => request.timestamp)).size).toBe(4);
    // Each verified by standardwebhooks at the (driven) moment it arrived: checked here at its own time.
    for (const request of requests) {
      vi.setSystemTime(request.timestamp * 1000);
      expect(receiver.verifies(request, secret)).toBe(true);
    }
    vi.useRealTimers();
    const [delivered] = await deliveryRows(webhook.id);
    expect(delivered).toMatchObject({ status: 'DELIVERED', attempts: 4 });
    // About 5 s, then Retry-After's 900 s rather than 5 min, then about 30 min (each ±10% jitter).
    const within = (seconds: number, wait: number | undefined) => {
      expect(wait).toBeGreaterThanOrEqual(seconds * 0.9 - 1);
      expect(wait).toBeLessThanOrEqual(seconds * 1.1 + 1);
    };
    within((RETRY_SCHEDULE_MS[0] as number) / 1000, waits[0]);
    expect(waits[1]).toBeGreaterThanOrEqual(899);
    expect(waits[1]).toBeLessThanOrEqual(901);
    within((RETRY_SCHEDULE_MS[2] as number) / 1000, waits[2]);

    const log = await h.app.inject({ method: 'GET', url: `/webhooks/${webhook.id}/deliveries`, headers: admin.headers });
    expect(log.statusCode).toBe(200);
    expect(log.json().data[0]).toMatchObject({ status: 'DELIVERED', attempts: 4, responseStatus: 200, responseBody: 'answered 200' });
    expect(log.json().data[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('signs with both secrets during a rotation, then with the new one only', async () => {
    const { webhook, secret: old } = await subscribe('/rotate', ['organization.created']);
    const rotated = await h.app.inject({ method: 'POST', url: `/webhooks/${webhook.id}/secret`, headers: admin.headers });
    expect(rotated.statusCode).toBe(200);
    const { secret: fresh, previousSecretValidUntil } = rotated.json() as { secret: string; previousSecretValidUntil: string };
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    // The first attempt fails, so the retry falls after the grace period.
    receiver.answer('/rotate', { status: 500 });
    const test = await h.app.inject({ method: 'POST', url: `/webhooks/${webhook.id}/test`, headers: admin.headers });
    expect(test.statusCode).toBe(202);
    const [during] = await receiver.until('/rotate', 1);
    expect(JSON.parse(during?.body as string)).toMatchObject({ type: 'webhook.test', data: { id: webhook.id } });
    expect(during?.signature.split(' ')).toHaveLength(2);
    expect(receiver.verifies(during as never, old)).toBe(true);
    expect(receiver.verifies(during as never, fresh)).toBe(true);

    // After the grace period (a driven clock) only the new secret signs.
    await vi.waitFor(async () => {
      if ((await deliveryRows(webhook.id))[0]?.attempts !== 1) throw new Error('attempt not recorded yet');
    });
    const after = new Date(new Date(previousSecretValidUntil).getTime() + 1000);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(after);
    await h.app.modules.webhooks.deliverDue(after);
    const [, later] = await receiver.until('/rotate', 2);
    expect(later?.id).toBe(during?.id);
    expect(later?.signature.split(' ')).toHaveLength(1);
    expect(receiver.verifies(later as never, fresh)).toBe(true);
    expect(receiver.verifies(later as never, old)).toBe(false);
  });

  it('counts any 2xx as delivered however long its body, keeping its first kilobyte and reading no more', async () => {
    // Two megabytes, a multi-byte character astride the kilobyte's end: more than any answer Tessera reads whole.
    const long = `${'a'.repeat(1023)}é${'b'.repeat(2 * 1024 * 1024)}`;
    receiver.answer('/long', { status: 200, body: long }, { status: 500, body: long });
    const { webhook } = await subscribe('/long', ['organization.created']);
    await createOrganization(h, admin, 'Long Answer Org');
    await createOrganization(h, admin, 'Long Refusal Org');
    const rows = await vi.waitFor(async () => {
      const found = await deliveryRows(webhook.id);
      if (found.length < 2 || found.some((row) => row.attempts === 0)) throw new Error('not both attempted yet');
      return found;
    });
    const log = await h.app.inject({ method: 'GET', url: `/webhooks/${webhook.id}/deliveries`, headers: admin.headers });
    const byStatus = Object.fromEntries(log.json().data.map((entry: { responseStatus: number }) => [entry.responseStatus, entry]));
    expect(rows.map((row) => row.status).sort()).toEqual(['DELIVERED', 'PENDING']);
    // The kilobyte holds 1,023 letters and half of the é: the half is left out rather than kept as U+FFFD.
    expect(byStatus[200]).toMatchObject({ status: 'DELIVERED', error: null, responseBody: 'a'.repeat(1023) });
    expect(byStatus[500]).toMatchObject({ status: 'PENDING', error: 'answered 500', responseBody: 'a'.repeat(1023) });
  });

  it('cuts a hanging receiver off at WEBHOOK_TIMEOUT (15 s unless set) and retries it', async () => {
    expect(testConfig().WEBHOOK_TIMEOUT).toBe(15_000);
    // A node whose timeout is 1 s sends what its own commits wake it for.
    const impatient = await createPeer(withConfig({ WEBHOOK_TIMEOUT: 1000 }));
    try {
      receiver.answer('/hang', 'hang');
      const { webhook } = await subscribe('/hang', ['organization.created']);
      await createOrganization(impatient, admin, 'Hanging Org');
      await receiver.until('/hang', 1);
      const logged = await vi.waitFor(
        async () => {
          const response = await h.app.inject({ method: 'GET', url: `/webhooks/${webhook.id}/deliveries`, headers: admin.headers });
          const [entry] = response.json().data;
          if (entry.attempts !== 1) throw new Error('not cut yet');
          return entry;
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(logged).toMatchObject({ status: 'PENDING', responseStatus: null, error: 'no answer within 1000 ms' });
      expect(logged.durationMs).toBeGreaterThanOrEqual(1000);
      expect(logged.durationMs).toBeLessThan(5000);
      // Retried on the schedule, about 5 s after the attempt ended (it started 1 s before, when it was claimed).
      const ended = new Date(logged.lastAttemptAt).getTime() + logged.durationMs;
      const wait = new Date(logged.nextAttemptAt).getTime() - ended;
      expect(wait).toBeGreaterThanOrEqual(4500);
      expect(wait).toBeLessThanOrEqual(5500);
    } finally {
      await impatient.close();
    }
  });

  it('refuses private and plain-http addresses by default, when saved and when each delivery connects', async () => {
    const strict = await createPeer(withConfig({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: false }));
    try {
      for (const url of [
        receiver.url('/private'),
        'https://127.0.0.1/hook',
        'https://localhost/hook',
        'https://10.1.2.3/hook',
        'https://[::1]/hook',
        'https://169.254.169.254/latest',
        'https://[::ffff:192.168.0.1]/hook',
      ]) {
        const response = await strict.app.inject({
          method: 'POST',
          url: '/webhooks',
          headers: admin.headers,
          payload: { url, events: ['*'] },
        });
        expect(response.statusCode, url).toBe(400);
        expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/url' }] });
      }
      // And when each delivery connects: a name saved while allowed (as a public name later resolving
      // privately would be) is refused by the strict node at the address it resolves to now.
      const saved = await h.app.inject({
        method: 'POST',
        url: '/webhooks',
        headers: admin.headers,
        payload: { url: 'https://localhost/hook', events: ['organization.created'] },
      });
      const { id } = saved.json().webhook;
      await createOrganization(strict, admin, 'Strict Org');
      const refused = await vi.waitFor(
        async () => {
          const [entry] = (await h.app.inject({ method: 'GET', url: `/webhooks/${id}/deliveries`, headers: admin.headers })).json().data;
          if (entry?.attempts !== 1) throw new Error('not attempted yet');
          return entry;
        },
        { timeout: 15_000, interval: 50 },
      );
      expect(refused).toMatchObject({ status: 'PENDING', responseStatus: null });
      expect(refused.error).toContain('localhost resolves to a private network address');
      expect((await h.app.inject({ method: 'DELETE', url: `/webhooks/${id}`, headers: admin.headers })).statusCode).toBe(204);
    } finally {
      await strict.close();
    }
  });

  it('refuses an address carrying credentials, which no delivery could use and every view and event would show', async () => {
    const { webhook } = await subscribe('/credentials', ['organization.created']);
    const url = 'https://hook:s3cret-password@hooks.example.com/in';
    const created = await h.app.inject({ method: 'POST', url: '/webhooks', headers: admin.headers, payload: { url, events: ['*'] } });
    const updated = await h.app.inject({ method: 'PATCH', url: `/webhooks/${webhook.id}`, headers: admin.headers, payload: { url } });
    for (const response of [created, updated]) {
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/url' }] });
      expect(response.body).not.toContain('s3cret-password');
    }
    const [{ held }] = (await queryRows<{ held: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS held FROM webhooks WHERE url LIKE '%s3cret-password%'`,
    )) as [{ held: number }];
    expect(held).toBe(0);
  });

  it('never sends one delivery twice from two nodes', async () => {
    const peer = await createPeer(h);
    try {
      const { webhook } = await subscribe('/race', ['user_type.*']);
      await emitEach(
        Array.from({ length: 40 }, (_, index) => ({ type: 'user_type.created', payload: { name: `t${index}`, description: null } })),
        randomUUID(),
      );
      await Promise.all([
        h.app.modules.webhooks.deliverDue(),
        peer.app.modules.webhooks.deliverDue(),
        peer.app.modules.webhooks.deliverDue(),
        h.app.modules.webhooks.deliverDue(),
      ]);
      const requests = await receiver.until('/race', 40);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(receiver.at('/race')).toHaveLength(40);
      expect(new Set(requests.map((request) => request.id)).size).toBe(40);
      expect((await deliveryRows(webhook.id)).every((row) => row.status === 'DELIVERED' && row.attempts === 1)).toBe(true);
    } finally {
      await peer.close();
    }
  });

  it("confines an organization's administrator to their organization's events", async () => {
    const own = await createOrganization(h, admin, 'Own Org');
    const other = await createOrganization(h, admin, 'Other Org');
    // The organization administrator the learning preset seeds holds webhooks:manage, and not tenants:all.
    await seedPreset(h.context.database.primary, 'learning');
    const orgAdmin = await loginAs(h, { organizationId: own, roles: ['ORG_ADMIN'] });
    const refused = await h.app.inject({
      method: 'POST',
      url: '/webhooks',
      headers: orgAdmin.headers,
      payload: { url: receiver.url('/tenant'), events: ['*'], organizationId: other },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('WEBHOOK_OUTSIDE_TENANCY');
    const { webhook, secret } = await subscribe('/tenant', ['organization.updated'], orgAdmin);
    expect(webhook.organizationId).toBe(own);
    for (const id of [other, own]) {
      const response = await h.app.inject({
        method: 'PATCH',
        url: `/organizations/${id}`,
        headers: admin.headers,
        payload: { description: 'changed' },
      });
      expect(response.statusCode).toBe(200);
    }
    const [only] = await receiver.until('/tenant', 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.at('/tenant')).toHaveLength(1);
    expect(receiver.verify(only as never, secret)).toMatchObject({ type: 'organization.updated', data: { id: own } });
    const listed = await h.app.inject({ method: 'GET', url: '/webhooks', headers: orgAdmin.headers });
    expect(listed.json().data.map((entry: { id: string }) => entry.id)).toEqual([webhook.id]);
    const global = (await h.app.inject({ method: 'GET', url: '/webhooks', headers: admin.headers })).json().data[0].id;
    expect((await h.app.inject({ method: 'GET', url: `/webhooks/${global}`, headers: orgAdmin.headers })).statusCode).toBe(404);
    const unknown = await h.app.inject({
      method: 'POST',
      url: '/webhooks',
      headers: admin.headers,
      payload: { url: receiver.url('/x'), events: ['auth.login'] },
    });
    expect(unknown.statusCode).toBe(400);
    // A cross-tenant administrator may name any organization, but only one that exists; nothing is saved.
    const before = (await h.app.inject({ method: 'GET', url: '/webhooks?limit=100', headers: admin.headers })).json().data.length;
    const nowhere = await h.app.inject({
      method: 'POST',
      url: '/webhooks',
      headers: admin.headers,
      payload: { url: receiver.url('/nowhere'), events: ['organization.updated'], organizationId: randomUUID() },
    });
    expect([nowhere.statusCode, nowhere.json().code]).toEqual([409, 'REFERENCE_CONFLICT']);
    expect((await h.app.inject({ method: 'GET', url: '/webhooks?limit=100', headers: admin.headers })).json().data).toHaveLength(before);
  });

  it('delivers an event of no organization only to webhooks across organizations, whoever made it', async () => {
    const home = await createOrganization(h, admin, 'Home Org');
    await seedPreset(h.context.database.primary, 'learning');
    const homeAdmin = await loginAs(h, { organizationId: home, roles: ['ORG_ADMIN'] });
    const { secret } = await subscribe('/home-only', ['user.created'], homeAdmin);
    await subscribe('/everywhere', ['user.created']);
    // A cross-tenant administrator who lands in Home: one person outside any organization, then one in Home.
    const roaming = await loginAs(h, { organizationId: home, roles: ['admin'] });
    for (const [email, organizationId] of [
      ['outside-any@example.com', null],
      ['inside-home@example.com', home],
    ] as const) {
      const made = await h.app.inject({
        method: 'POST',
        url: '/users',
        headers: roaming.headers,
        payload: { email, firstName: 'Made', lastName: 'Here', organizationId },
      });
      expect(made.statusCode, made.body).toBe(201);
    }
    const everywhere = await receiver.until('/everywhere', 2);
    const [home1] = await receiver.until('/home-only', 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.at('/home-only')).toHaveLength(1);
    expect(receiver.verify(home1 as never, secret)).toMatchObject({ type: 'user.created', data: { organizationId: home } });
    expect(JSON.stringify(home1)).not.toContain('outside-any@example.com');
    const outside = everywhere.map((request) => JSON.parse(request.body)).find((body) => JSON.stringify(body).includes('outside-any'));
    expect(outside.data.organizationId).toBeUndefined();
  });

  it('retries and replays deliveries with their webhook-id, audits changes, and reports figures on /metrics', async () => {
    const { webhook, secret } = await subscribe('/replay', ['organization.created']);
    const before = new Date(Date.now() - 1000).toISOString();
    await createOrganization(h, admin, 'Replayed One');
    await createOrganization(h, admin, 'Replayed Two');
    const firsts = await receiver.until('/replay', 2);
    const [delivery] = await deliveryRows(webhook.id);
    const retried = await h.app.inject({
      method: 'POST',
      url: `/webhooks/${webhook.id}/deliveries/${delivery?.id}/retry`,
      headers: admin.headers,
    });
    expect(retried.statusCode).toBe(202);
    const third = (await receiver.until('/replay', 3))[2];
    expect(third?.id).toBe(delivery?.id);
    expect(receiver.verifies(third as never, secret)).toBe(true);
    const replayed = await h.app.inject({
      method: 'POST',
      url: `/webhooks/${webhook.id}/replay`,
      headers: admin.headers,
      payload: { from: before, to: new Date(Date.now() + 1000).toISOString() },
    });
    expect(replayed.json()).toEqual({ replayed: 2 });
    const all = await receiver.until('/replay', 5);
    expect(
      all
        .slice(3)
        .map((request) => request.id)
        .sort(),
    ).toEqual(firsts.map((request) => request.id).sort());
    const missing = await h.app.inject({
      method: 'POST',
      url: `/webhooks/${webhook.id}/deliveries/${randomUUID()}/retry`,
      headers: admin.headers,
    });
    expect(missing.json().code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');

    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/webhooks/${webhook.id}`,
      headers: admin.headers,
      payload: { description: 'd' },
    });
    expect(patched.json().webhook.description).toBe('d');
    expect(
      (await h.app.inject({ method: 'GET', url: `/webhooks/${webhook.id}`, headers: admin.headers })).json().webhook,
    ).not.toHaveProperty('secret');
    expect((await h.app.inject({ method: 'DELETE', url: `/webhooks/${webhook.id}`, headers: admin.headers })).statusCode).toBe(204);
    const audit = await queryRows<{ action: string; payload: unknown }>(
      h.context.database.primary,
      sql`SELECT action, payload FROM audit_logs WHERE entity_id = ${webhook.id} ORDER BY id`,
    );
    expect(audit.map((row) => row.action)).toEqual(['webhook.created', 'webhook.updated', 'webhook.deleted']);
    expect(JSON.stringify(audit)).not.toContain('whsec_');
    const rotatedAudit = await queryRows(h.context.database.primary, sql`SELECT 1 FROM audit_logs WHERE action = 'webhook.secret_rotated'`);
    expect(rotatedAudit.length).toBeGreaterThan(0);

    const metrics = await (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^tessera_webhook_deliveries_total\{outcome="delivered"\} \d+$/m);
    expect(metrics).toMatch(/^tessera_webhook_attempts_failed_total \d+$/m);
    expect(metrics).toMatch(/^tessera_webhook_queue_depth \d+$/m);
    expect(metrics).toMatch(/^tessera_webhook_oldest_pending_seconds [\d.e+-]+$/m);
  });

  it('pages the endpoints oldest first and their deliveries newest first, a status filtering them', async () => {
    const made = [];
    for (const path of ['/paged-1', '/paged-2', '/paged-3']) made.push((await subscribe(path, ['organization.created'])).webhook.id);
    const endpoints = (await pagesOf(h, '/webhooks', admin.headers, 2)).flat().map((entry) => entry.id);
    expect(endpoints).toEqual([...endpoints].sort());
    expect(endpoints.slice(-3)).toEqual(made);

    const [webhookId] = made;
    const sent = [];
    for (let test = 0; test < 3; test += 1) {
      const queued = await h.app.inject({ method: 'POST', url: `/webhooks/${webhookId}/test`, headers: admin.headers });
      sent.push(queued.json().delivery.id);
    }
    const pages = await pagesOf(h, `/webhooks/${webhookId}/deliveries`, admin.headers, 2);
    expect(pages.map((page) => page.map((delivery) => delivery.id))).toEqual([[sent[2], sent[1]], [sent[0]]]);
    // A delivery fails only once its retries are spent: none of these has.
    const failed = await h.app.inject({ method: 'GET', url: `/webhooks/${webhookId}/deliveries?status=FAILED`, headers: admin.headers });
    expect(failed.json()).toEqual({ data: [], nextCursor: null });
  });

  it('disables an endpoint failing for five days and mails its owner', async () => {
    receiver.answer('/down', ...Array.from({ length: 5 }, () => ({ status: 503 })));
    const { webhook } = await subscribe('/down', ['organization.created']);
    await createOrganization(h, admin, 'Down One');
    await receiver.until('/down', 1);
    const failing = await vi.waitFor(async () => {
      const response = await h.app.inject({ method: 'GET', url: `/webhooks/${webhook.id}`, headers: admin.headers });
      if (!response.json().webhook.failingSince) throw new Error('not failing yet');
      return response.json().webhook;
    });
    // Five days on (a driven clock), the next failure disables it.
    const later = new Date(new Date(failing.failingSince).getTime() + 5 * 86_400_000 + 1000);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(later);
    await h.app.modules.webhooks.deliverDue(later);
    vi.useRealTimers();
    const [row] = await queryRows<{ status: string }>(
      h.context.database.primary,
      sql`SELECT status FROM webhooks WHERE id = ${webhook.id}`,
    );
    expect(row?.status).toBe('DISABLED');
    const mails = await queryRows<{ to_address: string; text_body: string }>(
      h.context.database.primary,
      sql`SELECT to_address, text_body FROM email_outbox WHERE template = 'webhookDisabled' AND text_body LIKE ${`%${receiver.url('/down')}%`}`,
    );
    expect(mails).toEqual([{ to_address: admin.user.email, text_body: expect.stringContaining(receiver.url('/down')) }]);
    const audit = await queryRows(
      h.context.database.primary,
      sql`SELECT 1 FROM audit_logs WHERE action = 'webhook.disabled' AND entity_id = ${webhook.id}`,
    );
    expect(audit).toHaveLength(1);
    // A disabled endpoint is sent nothing.
    const sent = receiver.at('/down').length;
    await createOrganization(h, admin, 'Down Two');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.at('/down')).toHaveLength(sent);
  });
  it('keeps sending to healthy endpoints while one hangs: attempts run independently, a few at a time per endpoint', async () => {
    // A node whose timeout is 2 s sends what its own commit wakes it for. Every endpoint here is platform-wide (one
    // organization's share): the whole node is theirs, so the earlier tests' endpoints do not queue before the healthy one.
    const impatient = await createPeer(withConfig({ WEBHOOK_TIMEOUT: 2000, WEBHOOK_ORGANIZATION_CONCURRENCY: 20 }));
    try {
      receiver.answer('/stuck', ...Array.from({ length: 30 }, () => 'hang' as const));
      const { webhook: stuck } = await subscribe('/stuck', ['user_type.created']);
      await subscribe('/healthy', ['role.created']);
      // One commit: 25 deliveries to the hanging endpoint queued before the healthy endpoint's one.
      await impatient.app.modules.useCases.run(systemCaller('webhooks-test'), async (_tx, emit) => {
        for (let index = 0; index < 25; index++)
          await emit({ type: 'user_type.created', entityId: randomUUID(), payload: { name: `s${index}`, description: null } });
        await emit({ type: 'role.created', entityId: randomUUID(), payload: { name: 'healthy', permissions: [] } });
      });
      await receiver.until('/healthy', 1);
      // It arrived while the hanging attempts were still open (none has timed out and been recorded), and the
      // hanging endpoint holds only its few slots.
      const rows = await deliveryRows(stuck.id);
      expect(rows).toHaveLength(25);
      expect(rows.filter((row) => row.attempts > 0)).toEqual([]);
      // Its first attempts may still be connecting on a loaded machine; once one is open, it holds no more than its few slots.
      await receiver.until('/stuck', 1);
      expect(receiver.at('/stuck').length).toBeLessThanOrEqual(4);
      // As the hanging attempts time out, their slots go to the hanging endpoint's next deliveries.
      await receiver.until('/stuck', 5, 10_000);
      expect((await h.app.inject({ method: 'DELETE', url: `/webhooks/${stuck.id}`, headers: admin.headers })).statusCode).toBe(204);
    } finally {
      await impatient.close();
    }
  });
});

describe(`a node's slots shared between organizations (${driver})`, () => {
  let h: Harness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // A harness of its own: an earlier test's endpoint that answers at once would free slots and hide a full node.
    h = await createHarness({ config: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT: '3s', WEBHOOK_POLL_INTERVAL: '1h' } });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it("leaves one organization's hanging endpoints its share of the slots, and sends another's delivery in the same pass", async () => {
    expect(h.context.config.WEBHOOK_ORGANIZATION_CONCURRENCY).toBe(10);
    const admin = await loginAs(h, { roles: ['admin'] });
    const hanging = await createOrganization(h, admin, 'Hanging Tenant');
    const waiting = await createOrganization(h, admin, 'Waiting Tenant');
    const subscribeFor = async (organizationId: string | undefined, path: string) => {
      const response = await h.app.inject({
        method: 'POST',
        url: '/webhooks',
        headers: admin.headers,
        payload: { url: receiver.url(path), events: ['user_type.created'], ...(organizationId ? { organizationId } : {}) },
      });
      expect(response.statusCode, response.body).toBe(201);
    };
    const stuck = ['/a1', '/a2', '/a3', '/a4', '/a5'];
    for (const path of stuck) {
      receiver.answer(path, ...Array.from({ length: 8 }, () => 'hang' as const));
      await subscribeFor(hanging, path);
    }
    await subscribeFor(waiting, '/b');
    // A platform-wide endpoint gets all five events: its deliveries go out in the platform's own share, beside a full tenant.
    await subscribeFor(undefined, '/platform');
    // One commit: four deliveries to each of the hanging tenant's five endpoints (enough to fill all 20 slots),
    // queued before the waiting tenant's one.
    const created = (organizationId: string, name: string) =>
      ({ type: 'user_type.created', entityId: randomUUID(), organizationId, payload: { name, description: null } }) as const;
    await h.app.modules.useCases.run(systemCaller('webhooks-test'), async (_tx, emit) => {
      for (let index = 0; index < 4; index++) await emit(created(hanging, `a${index}`));
      await emit(created(waiting, 'b'));
    });
    const sentToHanging = () => receiver.received.filter((request) => stuck.includes(request.path)).length;

    await receiver.until('/b', 1);
    await receiver.until('/platform', 5);
    // They arrived while the hanging attempts were still open (none has timed out and been recorded).
    const attempted = await queryRows<{ attempted: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS attempted FROM webhook_deliveries JOIN webhooks ON webhooks.id = webhook_id
          WHERE organization_id = ${hanging} AND attempts > 0`,
    );
    expect(attempted).toEqual([{ attempted: 0 }]);
    // The hanging tenant holds its share of the slots, not fewer and not more.
    await vi.waitFor(() => expect(sentToHanging()).toBe(10), { timeout: 5000, interval: 25 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sentToHanging()).toBe(10);
    // As its attempts time out, its slots go to its next deliveries: the tenant at its cap still gets its share.
    await vi.waitFor(() => expect(sentToHanging()).toBe(20), { timeout: 10_000, interval: 50 });
  });
});

describe('the delivery pool', () => {
  const queued = (id: string, webhookId: string, organizationId: string | null = null) => ({ id, webhookId, organizationId });

  it('takes due deliveries within the free slots and the per-endpoint limit, never one it is already sending', () => {
    const sending = new Map([['a1', queued('a1', 'a')]]);
    const candidates = [queued('a1', 'a'), queued('a2', 'a'), queued('a3', 'a'), queued('b1', 'b'), queued('c1', 'c')];
    expect(fitting(candidates, 10, { perEndpoint: 2, perOrganization: 10 }, sending)).toEqual(['a2', 'b1', 'c1']);
    expect(fitting(candidates, 2, { perEndpoint: 2, perOrganization: 10 }, sending)).toEqual(['a2', 'b1']);
    expect(fitting(candidates, 10, { perEndpoint: 1, perOrganization: 10 }, sending)).toEqual(['b1', 'c1']);
  });

  it("takes one organization's deliveries up to its share, the platform-wide endpoints counting as one organization", () => {
    const sending = new Map([
      ['a1', queued('a1', 'a', 'org-a')],
      ['p1', queued('p1', 'p', null)],
    ]);
    const candidates = [queued('a2', 'a', 'org-a'), queued('x1', 'x', 'org-a'), queued('p2', 'q', null), queued('b1', 'b', 'org-b')];
    expect(fitting(candidates, 10, { perEndpoint: 4, perOrganization: 2 }, sending)).toEqual(['a2', 'p2', 'b1']);
    expect(fitting(candidates, 10, { perEndpoint: 4, perOrganization: 1 }, sending)).toEqual(['b1']);
  });
});
