import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { auditLogs } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, loginAs } from './helpers/auth.js';
import { createBrowser } from './helpers/browser.js';
import { createTestDatabase, driver, rollBackThrough, type TestDatabase } from './helpers/databases.js';
import { auditActions, federationConfig, redeem, signInWith, startProviderFor } from './helpers/federation.js';
import type { TestProvider } from './helpers/op.js';

let counter = 0;

// An issuer says what it likes in email_verified, and a verified address signs in to the account that has it: a
// provider's word counts only where an administrator trusts it to give it (Keycloak's "Trust Email").
describe(`identity providers: trusting the addresses a provider calls verified (${driver})`, () => {
  let h: Harness;
  let op: TestProvider;
  let admin: { headers: Record<string, string> };

  beforeAll(async () => {
    op = await startProviderFor(['oidc', 'corp', 'partner']);
    h = await createHarness({
      config: {
        ...federationConfig,
        OAUTH_OIDC_ISSUER: op.issuer,
        OAUTH_OIDC_CLIENT_ID: 'tessera',
        OAUTH_OIDC_CLIENT_SECRET: 'tessera-secret',
        OAUTH_OIDC_TRUST_EMAIL_VERIFIED: 'false',
      },
    });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  /** A person at the provider whose address it says it verified, who signs in there next. */
  function nextPerson(email = `person${++counter}@example.com`) {
    const sub = `person-${++counter}`;
    op.accounts.set(sub, { email, email_verified: true, given_name: 'Ada', family_name: 'Lovelace' });
    op.signInAs = sub;
  }
  const create = (payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: '/identity-providers', headers: admin.headers, payload });
  const addOidc = async (slug: string, extra: Record<string, unknown> = {}) => {
    const res = await create({ kind: 'oidc', slug, issuer: op.issuer, clientId: 'tessera', clientSecret: 'tessera-secret', ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().identityProvider as { id: string; trustEmailVerified: boolean };
  };
  const signedInUser = async (slug: string) => {
    const landed = await signInWith(createBrowser(h), slug);
    expect(landed.error).toBeNull();
    return (await redeem(h, landed.code, landed.verifier)).json().user as { id: string; email: string; emailVerified: boolean };
  };

  it('takes no verified address from a generic provider added without a word on it: no link by address, a new account unverified', async () => {
    const corp = await addOidc('corp');
    expect(corp.trustEmailVerified).toBe(false);
    expect((await h.app.inject({ url: `/identity-providers/${corp.id}`, headers: admin.headers })).json().trustEmailVerified).toBe(false);

    const owner = await createUser(h, { email: `owner${++counter}@example.com` });
    nextPerson(owner.email);
    expect((await signInWith(createBrowser(h), 'corp')).error).toBe('ACCOUNT_EXISTS_LINK_REQUIRED');
    expect(await auditActions(h, owner.id)).toEqual(['federation.sign_in_refused']);

    nextPerson();
    const created = await signedInUser('corp');
    expect(created.emailVerified).toBe(false);
    const [registered] = await h.context.database.primary
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, created.id), eq(auditLogs.action, 'federation.registered')));
    expect(registered?.payload).toMatchObject({ provider: 'corp', emailVerified: false });
  });

  it('links by a verified address and makes accounts verified once an administrator trusts the provider, and audits the change', async () => {
    const corp = await addOidc('partner');
    const trusted = await h.app.inject({
      method: 'PATCH',
      url: `/identity-providers/${corp.id}`,
      headers: admin.headers,
      payload: { trustEmailVerified: true },
    });
    expect([trusted.statusCode, trusted.json().trustEmailVerified]).toEqual([200, true]);
    const [changed] = await h.context.database.primary
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, corp.id), eq(auditLogs.action, 'identity_provider.updated')));
    expect(changed?.payload).toMatchObject({ before: { trustEmailVerified: false }, after: { trustEmailVerified: true } });

    const owner = await createUser(h, { email: `owner${++counter}@example.com` });
    nextPerson(owner.email);
    expect((await signedInUser('partner')).id).toBe(owner.id);
    expect(await auditActions(h, owner.id)).toEqual(['identity.linked']);
    nextPerson();
    expect((await signedInUser('partner')).emailVerified).toBe(true);
  });

  it('starts a provider trusted when the body says so, and a well-known kind with its own default', async () => {
    expect((await addOidc('trusted-corp', { trustEmailVerified: true })).trustEmailVerified).toBe(true);
    const defaults: Record<string, boolean> = {};
    for (const payload of [
      { kind: 'google', slug: 'google' },
      { kind: 'microsoft', slug: 'microsoft', tenant: '0190b000-0000-7000-8000-000000000001' },
      { kind: 'github', slug: 'github' },
      { kind: 'facebook', slug: 'facebook' },
    ]) {
      const res = await create({ ...payload, clientId: 'x', clientSecret: 'y' });
      expect(res.statusCode, res.body).toBe(201);
      defaults[payload.kind] = res.json().identityProvider.trustEmailVerified;
    }
    expect(defaults).toEqual({ google: true, microsoft: true, github: true, facebook: false });
  });

  it('trusts the OpenID Connect provider of the environment as OAUTH_OIDC_TRUST_EMAIL_VERIFIED says', async () => {
    const list = (await h.app.inject({ url: '/identity-providers', headers: admin.headers })).json().data;
    expect(list.find((provider: { slug: string }) => provider.slug === 'oidc')).toMatchObject({
      source: 'environment',
      trustEmailVerified: false,
    });
    const owner = await createUser(h, { email: `owner${++counter}@example.com` });
    nextPerson(owner.email);
    expect((await signInWith(createBrowser(h), 'oidc')).error).toBe('ACCOUNT_EXISTS_LINK_REQUIRED');
  });
});

// The upgrade of a database whose providers were trusted without a setting: each keeps trusting, as it did.
describe(`identity providers' trust migration (${driver})`, () => {
  let test: TestDatabase;
  const [legacyId, newerId] = ['0190b000-0000-7000-8000-000000000601', '0190b000-0000-7000-8000-000000000602'];
  const trust = () =>
    queryRows<{ slug: string; trust_email_verified?: boolean }>(
      test.database.primary,
      sql`SELECT slug, trust_email_verified FROM identity_providers ORDER BY slug`,
    );

  beforeAll(async () => {
    test = await createTestDatabase();
    await rollBackThrough(test.database, '0020_identity_provider_trust_email');
    await test.database.primary.execute(sql`INSERT INTO identity_providers (id, kind, slug, display_name, issuer, client_id, client_secret)
      VALUES (${legacyId}, 'oidc', 'legacy', 'Legacy', 'https://idp.example', 'client', 'enc:v1:sealed')`);
  });
  afterAll(() => test.dispose());

  it('keeps every existing provider trusted, and a provider inserted after it untrusted unless told', async () => {
    expect((await migrateUp(test.database))[0]).toBe('0020_identity_provider_trust_email');
    await test.database.primary.execute(sql`INSERT INTO identity_providers (id, kind, slug, display_name, issuer, client_id, client_secret)
      VALUES (${newerId}, 'oidc', 'newer', 'Newer', 'https://idp.example', 'client', 'enc:v1:sealed')`);
    expect(await trust()).toEqual([
      { slug: 'legacy', trust_email_verified: true },
      { slug: 'newer', trust_email_verified: false },
    ]);
  });
});
