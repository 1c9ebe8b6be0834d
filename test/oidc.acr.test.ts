import { sql } from 'drizzle-orm';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createOrganization, createUser, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { driver } from './helpers/databases.js';
import { APP_CALLBACK, applicationAdmin, registerApplication, relyingParty, startAuthorization } from './helpers/oidc.js';
import { type PagesRig, sessionCookie, startPages } from './helpers/pages.js';
import { stepAt, totpCode } from './helpers/totp.js';

const PASSWORD = 'an assurance level passphrase';

// acr_values: an application that needs a second factor (aal2) gets a person through the hosted second step,
// even one who signed in at Tessera with a password alone; the ID token says how they signed in.
describe.skipIf(!hasChromium)(`Sign in with Tessera, with a second factor asked for (${driver})`, () => {
  let rig: PagesRig;
  let config: client.Configuration;
  let clientId: string;

  beforeAll(async () => {
    rig = await startPages();
    const admin = await applicationAdmin(rig.h);
    const app = await registerApplication(rig.h, admin, {
      name: 'Payroll',
      kind: 'web',
      redirectUris: [APP_CALLBACK],
      scopes: ['openid', 'email'],
      firstParty: true,
    });
    clientId = app.application.clientId;
    config = await relyingParty(rig.base, clientId, app.clientSecret);
  }, 120_000);
  afterAll(async () => rig?.close());

  /** An authorization request in the browser; `tokens()` waits for the callback and redeems its code. */
  async function authorize(context: BrowserContext, extra: Record<string, string> = {}) {
    const flow = await startAuthorization(context, config, extra);
    return { ...flow, tokens: () => flow.redeem() };
  }

  async function signIn(page: Page, email: string) {
    await page.waitForURL((target) => target.pathname === '/sign-in');
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async function idToken(tokens: client.TokenEndpointResponse): Promise<JWTPayload> {
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    return (await jwtVerify(tokens.id_token as string, jwks, { issuer: rig.base, audience: clientId })).payload;
  }

  /** An authenticator app added through the API (a fresh password sign-in of the person's own). */
  async function addAuthenticator(email: string) {
    const login = await rig.h.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: PASSWORD } });
    const headers = { authorization: `Bearer ${login.json().accessToken}` };
    const started = await rig.h.app.inject({ method: 'POST', url: '/auth/mfa/totp', headers, payload: {} });
    const { factorId, secret } = started.json();
    const step = stepAt();
    const confirmed = await rig.h.app.inject({
      method: 'POST',
      url: `/auth/mfa/totp/${factorId}/confirm`,
      headers,
      payload: { code: totpCode(secret, step) },
    });
    expect(confirmed.statusCode).toBe(200);
    // The step just used is spent: the next code is of a later one.
    return { secret, nextCode: () => totpCode(secret, Math.max(step + 1, stepAt())) };
  }

  it('publishes aal1 and aal2 as acr_values_supported, and takes the claims parameter', () => {
    expect(config.serverMetadata().acr_values_supported).toEqual(['aal1', 'aal2']);
    expect(config.serverMetadata().claims_parameter_supported).toBe(true);
  });

  it('steps a password-only session up with the person’s authenticator code: the ID token carries aal2 and its amr', async () => {
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();

    // Signed in with a password alone (no factor yet): accepted where nothing stronger is asked, as aal1.
    const plain = await authorize(context);
    await signIn(plain.page, person.email);
    expect(await idToken(await plain.tokens())).toMatchObject({ sub: person.id, acr: 'aal1', amr: ['pwd'] });

    const authenticator = await addAuthenticator(person.email);
    const before = await sessionCookie(context);

    // The same browser session is not enough for aal2: the second-factor page comes first.
    const strong = await authorize(context, { acr_values: 'aal2' });
    await strong.page.waitForURL((target) => target.pathname === '/sign-in/second-factor');
    await strong.page.getByLabel('Code').fill(authenticator.nextCode());
    await strong.page.getByRole('button', { name: 'Continue' }).click();
    const claims = await idToken(await strong.tokens());
    expect(claims).toMatchObject({ sub: person.id, acr: 'aal2' });
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    // The stronger session took the weaker one's place; the next aal2 request needs no second step.
    const weaker = `${before?.name}=${before?.value}`;
    expect(await rig.h.app.modules.hosted.browserSession({ headers: { cookie: weaker } })).toBeUndefined();
    const again = await authorize(context, { acr_values: 'aal2' });
    expect(await idToken(await again.tokens())).toMatchObject({ acr: 'aal2' });
    await context.close();
  }, 120_000);

  it('steps a password-only session up for an essential acr claim, as for acr_values', async () => {
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();
    const plain = await authorize(context);
    await signIn(plain.page, person.email);
    await plain.tokens();
    const authenticator = await addAuthenticator(person.email);

    const essential = { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'aal2' } } }) };
    const strong = await authorize(context, essential);
    await strong.page.waitForURL((target) => target.pathname === '/sign-in/second-factor');
    await strong.page.getByLabel('Code').fill(authenticator.nextCode());
    await strong.page.getByRole('button', { name: 'Continue' }).click();
    expect(await idToken(await strong.tokens())).toMatchObject({ sub: person.id, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    await context.close();
  }, 120_000);

  it('signs a person with an authenticator straight in at aal2 through the second step of sign-in', async () => {
    const person = await createUser(rig.h, { password: PASSWORD });
    const authenticator = await addAuthenticator(person.email);
    const context = await rig.context();
    const flow = await authorize(context, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'aal2' } } }) });
    await signIn(flow.page, person.email);
    await flow.page.waitForURL((target) => target.pathname === '/sign-in/second-factor');
    await flow.page.getByLabel('Code').fill(authenticator.nextCode());
    await flow.page.getByRole('button', { name: 'Continue' }).click();
    expect(await idToken(await flow.tokens())).toMatchObject({ sub: person.id, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    await context.close();
  }, 120_000);

  it('has someone without a factor add an authenticator first, though their policy does not ask for one', async () => {
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();
    const flow = await authorize(context, { acr_values: 'aal2' });
    await signIn(flow.page, person.email);
    await flow.page.waitForURL((target) => target.pathname === '/sign-in/enrol');
    const secret = (await flow.page.locator('main code').first().textContent())?.trim() ?? '';
    await flow.page.getByLabel('Code').fill(totpCode(secret, stepAt()));
    await flow.page.getByRole('button', { name: 'Continue' }).click();
    // The recovery codes are shown once, then the application gets its answer.
    await flow.page.getByRole('link', { name: 'Continue' }).click();
    expect(await idToken(await flow.tokens())).toMatchObject({ sub: person.id, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    await context.close();
  }, 120_000);

  /** Ages the person's sessions by `interval` (a Postgres interval): their sign-ins were that long ago. */
  const age = (userId: string, interval: string) =>
    queryRows(
      rig.h.context.database.primary,
      sql`UPDATE sessions SET created_at = created_at - ${interval}::interval WHERE user_id = ${userId}`,
    );

  /** Adds the authenticator the enrolment page shows, and goes on to the application. */
  async function enrolOnPage(page: Page) {
    await page.waitForURL((target) => target.pathname === '/sign-in/enrol');
    const secret = (await page.locator('main code').first().textContent())?.trim() ?? '';
    await page.getByLabel('Code').fill(totpCode(secret, stepAt()));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'Continue' }).click();
  }

  // A browser's cookie, however old, is no licence to add a factor and come away with a fresh aal2 sign-in.
  it('has an old session without a factor sign in again before it adds one, then answers aal2', async () => {
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();
    const plain = await authorize(context);
    await signIn(plain.page, person.email);
    await plain.tokens();
    await age(person.id, '1 hour');

    const strong = await authorize(context, { acr_values: 'aal2' });
    await strong.page.waitForURL((target) => target.pathname === '/sign-in');
    const asked = new URL(strong.page.url());
    expect(asked.searchParams.get('prompt')).toBe('login');
    expect(asked.searchParams.get('return_to')).toMatch(/^\/oidc\/interaction\//);
    await signIn(strong.page, person.email);
    await enrolOnPage(strong.page);
    const claims = await idToken(await strong.tokens());
    expect(claims).toMatchObject({ sub: person.id, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'] });
    expect(Date.now() / 1000 - (claims.auth_time as number)).toBeLessThan(120);
    await context.close();
  }, 120_000);

  it('keeps the time of the password sign-in when a factor is added to it: an enrolment makes no sign-in fresher', async () => {
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();
    const plain = await authorize(context);
    await signIn(plain.page, person.email);
    await plain.tokens();
    await age(person.id, '5 minutes');
    const [session] = await queryRows<{ createdAt: string }>(
      rig.h.context.database.primary,
      sql`SELECT created_at AS "createdAt" FROM sessions WHERE user_id = ${person.id} AND revoked_at IS NULL`,
    );
    const provenAt = Math.floor(new Date(session?.createdAt ?? 0).getTime() / 1000);

    const strong = await authorize(context, { acr_values: 'aal2' });
    await enrolOnPage(strong.page);
    const claims = await idToken(await strong.tokens());
    expect(claims).toMatchObject({ sub: person.id, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: provenAt });
    await context.close();
  }, 120_000);

  it('answers unmet_authentication_requirements where second factors are turned off', async () => {
    const admin = await loginAs(rig.h, { roles: ['admin'] });
    const organizationId = await createOrganization(rig.h, admin, `No factors ${Date.now()}`);
    const patched = await rig.h.app.inject({
      method: 'PATCH',
      url: `/organizations/${organizationId}`,
      headers: admin.headers,
      payload: { mfa: 'off' },
    });
    expect(patched.statusCode).toBe(200);
    const person = await createUser(rig.h, { password: PASSWORD, organizationId });
    const context = await rig.context();
    const flow = await authorize(context, { acr_values: 'aal2' });
    await signIn(flow.page, person.email);
    expect((await flow.callback()).searchParams.get('error')).toBe('unmet_authentication_requirements');
    await context.close();
  }, 120_000);
});
