import { createServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutbound, isPrivateAddress, OutboundRefused, type Resolver } from '../src/platform/outbound.js';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { listenTls, testTls } from './helpers/op.js';

/** The error, or what caused it, is the guard's refusal. */
async function refusal(attempt: Promise<unknown>) {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  for (let current = error; current instanceof Error; current = current.cause) if (current instanceof OutboundRefused) return current;
  return error;
}

describe('outbound guard: addresses an administrator names', () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  const server = createServer(testTls(), (request, response) => {
    if (request.url === '/large') return response.end('x'.repeat(4096));
    if (request.url === '/stall') return;
    response.setHeader('content-type', 'application/json');
    response.end('{"ok":true}');
  });
  let port = 0;

  beforeAll(async () => {
    port = await listenTls(server);
    h = await createHarness({ config: { SIGNING_KEY_SECRET: 'cd'.repeat(32) } });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await h.close();
  });

  it('knows loopback, metadata, private, CGNAT, unique-local, unspecified and IPv4-mapped addresses from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '169.254.169.254',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '[::1]',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('refuses an identity provider whose issuer is loopback, the metadata service, a private range or [::1], naming the field', async () => {
    for (const issuer of [
      'https://127.0.0.1:9/',
      'https://169.254.169.254/',
      'https://10.0.0.1/',
      'https://[::1]/',
      'https://[::ffff:7f00:1]/',
    ]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/identity-providers',
        headers: admin.headers,
        payload: { kind: 'oidc', slug: 'inside', issuer, clientId: 'x', clientSecret: 'y' },
      });
      expect(res.statusCode, issuer).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/issuer' }] });
    }
  });

  it('refuses a public name that resolves to a private address, when saved and at connection time (no DNS rebinding)', async () => {
    const toLoopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const guard = createOutbound({ allowPrivate: false, resolve: toLoopback });
    expect(await refusal(guard.assertAllowedTarget('https://idp.example/'))).toBeInstanceOf(OutboundRefused);
    expect(await refusal(guard.fetch(`https://localhost:${port}/`))).toBeInstanceOf(OutboundRefused);

    // Public when it was saved, private when fetched: the address connected to is what counts.
    let answers = 0;
    const rebinding: Resolver = async () => [{ address: answers++ === 0 ? '93.184.216.34' : '10.0.0.5', family: 4 }];
    const rebound = createOutbound({ allowPrivate: false, resolve: rebinding });
    await rebound.assertAllowedTarget('https://idp.example/');
    expect(await refusal(rebound.fetch('https://idp.example/.well-known/openid-configuration'))).toBeInstanceOf(OutboundRefused);
    expect(answers).toBe(2);
    await Promise.all([guard.close(), rebound.close()]);
  });

  it('fetches only https, and bounds every answer in size and time', async () => {
    const guard = createOutbound({ allowPrivate: true, maxBytes: 1024 });
    expect(await (await guard.fetch(`https://localhost:${port}/`)).json()).toEqual({ ok: true });
    expect(await refusal(guard.fetch(`http://localhost:${port}/`))).toBeInstanceOf(OutboundRefused);
    expect(await refusal(guard.assertAllowedTarget('https://user:password@idp.example/'))).toBeInstanceOf(OutboundRefused);
    expect(await refusal(guard.fetch(`https://localhost:${port}/large`))).toBeInstanceOf(OutboundRefused);
    // A short bound of its own: under a busy machine's load a TLS handshake alone can outlast 300 ms.
    const impatient = createOutbound({ allowPrivate: true, timeoutMs: 300 });
    const stalled = await refusal(impatient.fetch(`https://localhost:${port}/stall`));
    expect((stalled as Error).name).toMatch(/TimeoutError|AbortError/);
    await Promise.all([guard.close(), impatient.close()]);
  });
});
