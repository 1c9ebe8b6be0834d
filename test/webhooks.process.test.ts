import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDetachedDatabase, driver } from './helpers/databases.js';
import { exitOf, freePort, type Served, startServer, waitForHealth } from './helpers/serve.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const started: Served[] = [];
afterEach(() => {
  for (const { child } of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A real server process, killed without warning while a delivery is in flight: the outbox still delivers it on restart. */
describe(`webhook outbox across a SIGKILL (${driver})`, () => {
  let receiver: WebhookReceiver;
  let database: Awaited<ReturnType<typeof createDetachedDatabase>>;
  afterAll(async () => {
    await receiver?.close();
    await database?.dispose();
  });

  it('delivers an event committed before the kill once the node is back, with the same webhook-id', async () => {
    receiver = await startWebhookReceiver();
    database = await createDetachedDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...database.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: process.env.REDIS_URL ?? '',
      BOOTSTRAP_ADMIN_EMAIL: 'hooks@example.com',
      BOOTSTRAP_ADMIN_PASSWORD: 'a long admin passphrase',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_TIMEOUT: '2s',
      WEBHOOK_POLL_INTERVAL: '200ms',
    };
    const serve = async () => {
      const served = startServer(env);
      started.push(served);
      await waitForHealth(url, served);
      return served;
    };
    const first = await serve();
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: env.BOOTSTRAP_ADMIN_EMAIL, password: env.BOOTSTRAP_ADMIN_PASSWORD }),
    });
    const headers = { authorization: `Bearer ${(await login.json()).accessToken}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: receiver.url('/killed'), events: ['organization.created'] }),
    });
    expect(created.status).toBe(201);
    const { secret } = await created.json();

    // The receiver holds the first attempt open; the node dies with it in flight, its outcome unrecorded.
    receiver.answer('/killed', 'hang');
    const organization = await fetch(`${url}/organizations`, { method: 'POST', headers, body: JSON.stringify({ name: 'Killed Org' }) });
    expect(organization.status).toBe(201);
    const [inFlight] = await receiver.until('/killed', 1);
    first.child.kill('SIGKILL');
    expect(await exitOf(first.child)).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await serve();
    // Sent again once the dead node's claim lapses (twice the timeout and 5 s), then delivered.
    const [, redelivered] = await receiver.until('/killed', 2, 60_000);
    expect(redelivered?.id).toBe(inFlight?.id);
    expect(redelivered?.timestamp).toBeGreaterThan(inFlight?.timestamp as number);
    expect(receiver.verify(redelivered as never, secret)).toMatchObject({ type: 'organization.created', data: { name: 'Killed Org' } });
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toEqual({ code: 0, signal: null });
    expect(receiver.at('/killed')).toHaveLength(2);
  }, 180_000);
});
