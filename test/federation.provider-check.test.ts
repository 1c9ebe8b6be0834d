import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { federationConfig } from './helpers/federation.js';
import { startOpenIdProvider, type TestProvider } from './helpers/op.js';

describe("identity providers: the administrator's test of a provider's settings", () => {
  let h: Harness;
  let op: TestProvider;
  let admin: { headers: Record<string, string> };

  beforeAll(async () => {
    op = await startOpenIdProvider({
      clientId: 'tessera',
      clientSecret: 'tessera-secret',
      redirectUris: ['https://tessera.test/auth/oauth/corp/callback'],
    });
    h = await createHarness({ config: federationConfig });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  const add = async (slug: string, issuer: string) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/identity-providers',
      headers: admin.headers,
      payload: { kind: 'oidc', slug, issuer, clientId: 'tessera', clientSecret: 'tessera-secret' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().identityProvider.id as string;
  };
  const test = (id: string, headers = admin.headers) => h.app.inject({ method: 'POST', url: `/identity-providers/${id}/test`, headers });

  it("answers the provider's authorization endpoint found by discovery and the callback URL to register", async () => {
    const id = await add('corp', op.issuer);
    const res = await test(id);
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result.authorizationEndpoint.startsWith(op.issuer)).toBe(true);
    expect(result.authorizationEndpoint).not.toContain('?');
    expect(result).toMatchObject({ callbackUrl: 'https://tessera.test/auth/oauth/corp/callback', scopes: ['openid', 'email', 'profile'] });
  });

  it('answers IDENTITY_PROVIDER_UNAVAILABLE for an issuer nobody answers at, and needs the permission', async () => {
    const id = await add('gone', 'https://localhost:9');
    const res = await test(id);
    expect(res.json().code).toBe('IDENTITY_PROVIDER_UNAVAILABLE');
    const reader = await loginAs(h, { permissions: ['users:read'] });
    expect((await test(id, reader.headers)).statusCode).toBe(403);
  });
});
