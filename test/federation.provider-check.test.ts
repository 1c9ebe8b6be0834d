import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { createBrowser } from './helpers/browser.js';
import { auditActions, federationConfig, startProviderFor } from './helpers/federation.js';
import type { TestProvider } from './helpers/op.js';

describe("identity providers: the administrator's test of a provider's settings", () => {
  let h: Harness;
  let op: TestProvider;
  let admin: { headers: Record<string, string> };

  beforeAll(async () => {
    op = await startProviderFor(['corp', 'trial']);
    h = await createHarness({ config: federationConfig });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  const add = async (slug: string, issuer: string, extra: Record<string, unknown> = {}) => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/identity-providers',
      headers: admin.headers,
      payload: { kind: 'oidc', slug, issuer, clientId: 'tessera', clientSecret: 'tessera-secret', ...extra },
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

  describe('a test sign-in', () => {
    let providerId: string;
    beforeAll(async () => {
      providerId = await add('trial', op.issuer, { trustEmailVerified: true });
      op.accounts.set('alice', { email: 'alice@corp.example', email_verified: true, given_name: 'Alice', family_name: 'Liddell' });
    });

    const start = async (headers = admin.headers) => {
      const res = await h.app.inject({ method: 'POST', url: `/identity-providers/${providerId}/test-sign-in`, headers });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { authorizationUrl: string; testId: string };
    };
    const result = (testId: string, headers = admin.headers) =>
      h.app.inject({ method: 'GET', url: `/identity-providers/test-sign-ins/${testId}`, headers });
    /** The administrator's browser: to the provider, signed in there, back through the callback to the console. */
    const signInAtProvider = async (authorizationUrl: string) => {
      const browser = createBrowser(h, 'https://tessera.test/admin/');
      return browser.navigate(authorizationUrl);
    };
    const usersNamed = async (email: string) =>
      (await h.app.inject({ method: 'GET', url: `/users?search=${encodeURIComponent(email)}`, headers: admin.headers })).json().data;

    it('signs in at the provider for real, lands on the console with the result, and creates and signs in nobody', async () => {
      const { authorizationUrl, testId } = await start();
      expect(authorizationUrl.startsWith(op.issuer)).toBe(true);
      expect((await result(testId)).json().code).toBe('IDENTITY_PROVIDER_TEST_NOT_FOUND');

      const landed = await signInAtProvider(authorizationUrl);
      expect(landed.url.href).toBe(`https://tessera.test/admin/#/identity-providers/tested-${testId}`);
      const res = await result(testId);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        provider: 'trial',
        outcome: 'creates_account',
        identity: { subject: 'alice', email: 'alice@corp.example', emailVerified: true, firstName: 'Alice', lastName: 'Liddell' },
        account: null,
        refusal: null,
      });
      expect(await usersNamed('alice@corp.example')).toEqual([]);
      expect(await auditActions(h, providerId)).toContain('identity_provider.tested');
    });

    it('says which account a verified address would link to, and why an unverified one would be refused', async () => {
      const owner = await loginAs(h, { email: 'alice@corp.example', roles: [] });
      const trust = (trustEmailVerified: boolean) =>
        h.app.inject({
          method: 'PATCH',
          url: `/identity-providers/${providerId}`,
          headers: admin.headers,
          payload: { trustEmailVerified },
        });
      await trust(false);
      const untrusted = await start();
      await signInAtProvider(untrusted.authorizationUrl);
      expect((await result(untrusted.testId)).json()).toMatchObject({
        outcome: 'refused',
        identity: { email: 'alice@corp.example', emailVerified: false },
        refusal: { code: 'ACCOUNT_EXISTS_LINK_REQUIRED' },
      });

      await trust(true);
      const linking = await start();
      await signInAtProvider(linking.authorizationUrl);
      expect((await result(linking.testId)).json()).toMatchObject({
        outcome: 'links_by_email',
        account: { id: owner.userId, email: 'alice@corp.example' },
      });

      op.accounts.set('alice', { email: 'alice@corp.example', email_verified: false, given_name: 'Alice', family_name: 'Liddell' });
      const refused = await start();
      await signInAtProvider(refused.authorizationUrl);
      expect((await result(refused.testId)).json()).toMatchObject({
        outcome: 'refused',
        account: null,
        refusal: { code: 'ACCOUNT_EXISTS_LINK_REQUIRED' },
      });
      // Nothing was linked by either test.
      const identities = await h.app.inject({ method: 'GET', url: '/auth/identities', headers: owner.headers });
      expect(identities.json().data).toEqual([]);
    });

    it('keeps a result for the administrator who started it, and refuses a replayed callback', async () => {
      const { authorizationUrl, testId } = await start();
      const browser = createBrowser(h, 'https://tessera.test/auth/oauth/trial/callback');
      const callback = await browser.navigate(authorizationUrl);
      const landing = await h.app.inject({ method: 'GET', url: `${callback.url.pathname}${callback.url.search}` });
      expect([landing.statusCode, landing.headers.location]).toEqual([
        302,
        `https://tessera.test/admin/#/identity-providers/tested-${testId}`,
      ]);
      // The same callback again is no test and no sign-in: its state was taken.
      const replay = await h.app.inject({ method: 'GET', url: `${callback.url.pathname}${callback.url.search}` });
      expect([replay.statusCode, replay.json().code]).toEqual([400, 'OAUTH_STATE_INVALID']);

      const otherAdmin = await loginAs(h, { roles: ['admin'] });
      expect((await result(testId, otherAdmin.headers)).json().code).toBe('IDENTITY_PROVIDER_TEST_NOT_FOUND');
      const reader = await loginAs(h, { permissions: ['users:read'] });
      expect((await result(testId, reader.headers)).statusCode).toBe(403);
      expect((await result(testId)).statusCode).toBe(200);
    });
  });
});
