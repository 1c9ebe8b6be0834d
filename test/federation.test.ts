import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { type Browser, createBrowser } from './helpers/browser.js';
import { federationConfig, redeem, signInWith } from './helpers/federation.js';
import { startOpenIdProvider, type TestProvider } from './helpers/op.js';

describe('social sign-in with an OpenID Connect provider', () => {
  let h: Harness;
  let op: TestProvider;
  let browser: Browser;

  beforeAll(async () => {
    op = await startOpenIdProvider({
      clientId: 'tessera',
      clientSecret: 'tessera-secret',
      redirectUris: ['https://tessera.test/auth/oauth/oidc/callback'],
    });
    h = await createHarness({
      config: {
        ...federationConfig,
        OAUTH_OIDC_ISSUER: op.issuer,
        OAUTH_OIDC_CLIENT_ID: 'tessera',
        OAUTH_OIDC_CLIENT_SECRET: 'tessera-secret',
      },
    });
    browser = createBrowser(h);
  });
  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  it('creates the account on first sign-in and answers the login shape for the code', async () => {
    op.accounts.set('alice', { email: 'Alice@Example.com', email_verified: true, given_name: 'Alice', family_name: 'Liddell' });
    op.signInAs = 'alice';
    const landed = await signInWith(browser, 'oidc', { state: 'app-state-1' });
    expect(landed.error).toBeNull();
    expect(landed.url.searchParams.get('state')).toBe('app-state-1');
    const res = await redeem(h, landed.code, landed.verifier);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      tokenType: 'Bearer',
      user: { email: 'alice@example.com', firstName: 'Alice', emailVerified: true },
    });
  });
});
