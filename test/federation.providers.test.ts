import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityProviders, profiles } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, loginAs } from './helpers/auth.js';
import { createBrowser } from './helpers/browser.js';
import { auditActions, federationConfig, redeem, signInWith } from './helpers/federation.js';
import { startSocialProviders } from './helpers/social.js';

type Social = Awaited<ReturnType<typeof startSocialProviders>>;

describe('identity providers: the admin API, GitHub and Facebook', () => {
  let h: Harness;
  let social: Social;
  let admin: { headers: Record<string, string> };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    social = await startSocialProviders({
      github: { id: 'gh-client', secret: 'gh-secret' },
      facebook: { id: 'fb-app', secret: 'fb-secret' },
    });
    h = await createHarness({
      config: { ...federationConfig, OAUTH_GOOGLE_CLIENT_ID: 'google-client', OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret' },
    });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    await h?.close();
    await social?.close();
  });

  const create = (payload: Record<string, unknown>, headers = admin.headers) =>
    h.app.inject({ method: 'POST', url: '/identity-providers', headers, payload });

  it('adds providers (secret sealed at rest, never answered), lists those of the environment read-only, and needs the permission', async () => {
    for (const [kind, clientId, clientSecret] of [
      ['github', 'gh-client', 'gh-secret'],
      ['facebook', 'fb-app', 'fb-secret'],
    ] as const) {
      const res = await create({ kind, slug: kind, clientId, clientSecret });
      expect(res.statusCode, res.body).toBe(201);
      const { identityProvider } = res.json();
      expect(identityProvider).toMatchObject({
        kind,
        slug: kind,
        source: 'database',
        callbackUrl: `https://tessera.test/auth/oauth/${kind}/callback`,
      });
      expect(JSON.stringify(identityProvider)).not.toContain(clientSecret);
      ids[kind] = identityProvider.id;
      const [row] = await h.context.database.primary.select().from(identityProviders).where(eq(identityProviders.id, identityProvider.id));
      expect(row?.clientSecret).toMatch(/^enc:v1:/);
    }
    const list = (await h.app.inject({ url: '/identity-providers', headers: admin.headers })).json().data;
    const google = list.find((provider: { slug: string }) => provider.slug === 'google');
    expect(google).toMatchObject({ source: 'environment', issuer: 'https://accounts.google.com', createdAt: null });
    const patchGoogle = await h.app.inject({
      method: 'PATCH',
      url: `/identity-providers/${google.id}`,
      headers: admin.headers,
      payload: { enabled: false },
    });
    expect([patchGoogle.statusCode, patchGoogle.json().code]).toEqual([409, 'IDENTITY_PROVIDER_FROM_ENVIRONMENT']);
    expect((await create({ kind: 'google', slug: 'google', clientId: 'x', clientSecret: 'y' })).json().code).toBe('SLUG_ALREADY_EXISTS');
    expect((await create({ kind: 'oidc', slug: 'corp', clientId: 'x', clientSecret: 'y' })).statusCode).toBe(400);
    const user = await loginAs(h);
    expect((await h.app.inject({ url: '/identity-providers', headers: user.headers })).statusCode).toBe(403);
  });

  it('records a change by field (the secret only as changed) and nothing for a change that changes nothing', async () => {
    const url = `/identity-providers/${ids.github}`;
    const changed = await h.app.inject({
      method: 'PATCH',
      url,
      headers: admin.headers,
      payload: { displayName: 'GitHub.com', clientSecret: 'gh-secret' },
    });
    expect(changed.json().displayName).toBe('GitHub.com');
    await h.app.inject({ method: 'PATCH', url, headers: admin.headers, payload: { displayName: 'GitHub.com' } });
    expect(await auditActions(h, ids.github as string)).toEqual(['identity_provider.created', 'identity_provider.updated']);
  });

  it('signs in with GitHub: the verified primary address, the name and the avatar make the account', async () => {
    social.person = { id: '4242', name: 'Grace Hopper', email: 'grace@example.com', emailVerified: true };
    const landed = await signInWith(createBrowser(h), 'github');
    expect(landed.error).toBeNull();
    const res = await redeem(h, landed.code, landed.verifier);
    expect(res.json().user).toMatchObject({ email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', emailVerified: true });
    const [profile] = await h.context.database.primary.select().from(profiles).where(eq(profiles.userId, res.json().user.id));
    expect(profile?.avatarUrl).toBe('https://avatars.example/g.png');
  });

  it('signs in with Facebook, whose address is never taken as verified (no automatic linking)', async () => {
    social.person = { id: 'fb-1', name: 'Alan Turing', email: 'alan@example.com', emailVerified: true };
    const landed = await signInWith(createBrowser(h), 'facebook');
    expect((await redeem(h, landed.code, landed.verifier)).json().user).toMatchObject({ email: 'alan@example.com', emailVerified: false });
    const owner = await createUser(h, { email: 'owned@example.com' });
    social.person = { id: 'fb-2', name: 'Someone Else', email: owner.email, emailVerified: true };
    expect((await signInWith(createBrowser(h), 'facebook')).error).toBe('ACCOUNT_EXISTS_LINK_REQUIRED');
  });

  it('honours signUpEnabled and allowedDomains, and a removed provider takes its identities along', async () => {
    const url = `/identity-providers/${ids.github}`;
    await h.app.inject({ method: 'PATCH', url, headers: admin.headers, payload: { signUpEnabled: false } });
    social.person = { id: '7', name: 'New Person', email: 'new@example.com', emailVerified: true };
    expect((await signInWith(createBrowser(h), 'github')).error).toBe('SIGN_UP_DISABLED');
    await h.app.inject({
      method: 'PATCH',
      url,
      headers: admin.headers,
      payload: { signUpEnabled: true, allowedDomains: ['corp.example'] },
    });
    expect((await signInWith(createBrowser(h), 'github')).error).toBe('EMAIL_DOMAIN_NOT_ALLOWED');
    social.person = { id: '8', name: 'Corp Person', email: 'someone@corp.example', emailVerified: true };
    expect((await signInWith(createBrowser(h), 'github')).error).toBeNull();

    expect((await h.app.inject({ method: 'DELETE', url, headers: admin.headers })).statusCode).toBe(204);
    expect((await h.app.inject({ url, headers: admin.headers })).statusCode).toBe(404);
    const again = await signInWith(createBrowser(h), 'github');
    expect(again.status).toBe(404);
  });

  // A provider serves every organization: one organization's administrator adding an issuer of theirs that vouches
  // for any address would sign in as anyone's account, a platform administrator's included.
  it("refuses an administrator confined to one organization every change of the providers, and a test sign-in's view of other accounts", async () => {
    const organizationId = await createOrganization(h, admin, 'Providers A');
    const confined = await loginAs(h, { permissions: ['identity-providers:manage'], organizationId });
    const shared = ['403', 'IDENTITY_PROVIDERS_SHARED'];
    const created = await create({ kind: 'github', slug: 'org-github', clientId: 'x', clientSecret: 'y' }, confined.headers);
    expect([String(created.statusCode), created.json().code]).toEqual(shared);
    const github = (await create({ kind: 'github', slug: 'github-again', clientId: 'gh-client', clientSecret: 'gh-secret' })).json()
      .identityProvider.id;
    for (const [method, url, payload] of [
      ['PATCH', `/identity-providers/${github}`, { allowedDomains: [] }],
      ['DELETE', `/identity-providers/${github}`, undefined],
      ['POST', `/identity-providers/${github}/test-sign-in`, undefined],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: confined.headers, ...(payload ? { payload } : {}) });
      expect([String(res.statusCode), res.json().code], `${method} ${url}`).toEqual(shared);
    }
    expect((await h.app.inject({ url: `/identity-providers/${github}`, headers: confined.headers })).statusCode).toBe(200);
    expect((await h.app.inject({ url: `/identity-providers/${github}`, headers: admin.headers })).json().allowedDomains).toEqual([]);
  });
});
