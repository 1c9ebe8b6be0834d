import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { authorizePath, federationConfig, pkcePair } from './helpers/federation.js';
import { startOpenIdProvider, type TestProvider } from './helpers/op.js';

// What starts a passkey or social sign-in checks nothing: it is held off a flood by the token budget
// (AUTH_TOKEN_RATE_LIMIT_PER_MINUTE), and leaves the credential budget (AUTH_RATE_LIMIT_PER_MINUTE), which an
// office behind one NAT needs for its people's mistyped passwords, untouched.
describe('ceremony starts and the per-IP budgets', () => {
  const CREDENTIAL_LIMIT = 3;
  const TOKEN_LIMIT = 20;
  let h: Harness;
  let op: TestProvider;

  beforeAll(async () => {
    op = await startOpenIdProvider({
      clientId: 'tessera',
      clientSecret: 'tessera-secret',
      redirectUris: ['https://tessera.test/auth/oauth/oidc/callback'],
    });
    h = await createHarness({
      config: {
        ...federationConfig,
        AUTH_RATE_LIMIT_PER_MINUTE: String(CREDENTIAL_LIMIT),
        AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: String(TOKEN_LIMIT),
        OAUTH_OIDC_ISSUER: op.issuer,
        OAUTH_OIDC_CLIENT_ID: 'tessera',
        OAUTH_OIDC_CLIENT_SECRET: 'tessera-secret',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  /** Each way a passkey or social sign-in starts, on the API and on the hosted pages. */
  const starts: [string, (ip: string) => Promise<LightMyRequestResponse>][] = [
    ['POST /auth/passkeys/login/options', (ip) => h.app.inject({ method: 'POST', url: '/auth/passkeys/login/options', remoteAddress: ip })],
    [
      'GET /auth/oauth/oidc/authorize',
      (ip) =>
        h.app.inject({ url: authorizePath('oidc', pkcePair().challenge), remoteAddress: ip, headers: { accept: 'application/json' } }),
    ],
    [
      'POST /sign-in/passkey/options',
      (ip) =>
        h.app.inject({
          method: 'POST',
          url: '/sign-in/passkey/options',
          remoteAddress: ip,
          headers: { origin: 'https://tessera.test', accept: 'application/json', 'content-type': 'application/json' },
          payload: JSON.stringify({ csrf: 'anonymous' }),
        }),
    ],
    ['GET /sign-in/with/oidc', (ip) => h.app.inject({ url: '/sign-in/with/oidc', remoteAddress: ip })],
  ];
  const wrongLogin = (ip: string) =>
    h.app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress: ip,
      payload: { email: 'nobody@example.com', password: 'a wrong password' },
    });

  it('spends none of the credential budget: after many starts from one address, its sign-ins are still checked', async () => {
    const ip = '203.0.113.10';
    for (const [what, start] of starts) {
      for (let attempt = 0; attempt < CREDENTIAL_LIMIT + 1; attempt++) {
        const res = await start(ip);
        expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(400);
      }
    }
    for (let attempt = 0; attempt < CREDENTIAL_LIMIT; attempt++) expect((await wrongLogin(ip)).statusCode).toBe(401);
    expect((await wrongLogin(ip)).statusCode).toBe(429);
  });

  it('holds a flood of starts in the token budget, with 429 RATE_LIMITED (a page to a page request, problem+json to a button fetch) and Retry-After', async () => {
    for (const [index, [what, start]] of starts.entries()) {
      const ip = `203.0.113.${20 + index}`;
      for (let attempt = 0; attempt < TOKEN_LIMIT; attempt++) expect((await start(ip)).statusCode, what).toBeLessThan(400);
      const held = await start(ip);
      expect(held.statusCode, what).toBe(429);
      expect(Number(held.headers['retry-after']), what).toBeGreaterThan(0);
      if (what.startsWith('GET /sign-in')) expect(held.headers['content-type']).toMatch(/^text\/html/);
      else
        expect([held.headers['content-type'], held.json()], what).toMatchObject([
          'application/problem+json; charset=utf-8',
          { status: 429, code: 'RATE_LIMITED' },
        ]);
      // The credential budget is another one: a sign-in from there is still checked.
      expect((await wrongLogin(ip)).statusCode, what).toBe(401);
    }
  });
});
