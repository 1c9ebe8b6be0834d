import { sql } from 'drizzle-orm';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeer, type Harness } from './helpers/app.js';
import { createUser, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { driver } from './helpers/databases.js';
import { auditActions } from './helpers/federation.js';
import { APP_CALLBACK, APP_SIGNED_OUT, applicationAdmin, registerApplication, relyingParty, startAuthorization } from './helpers/oidc.js';
import { type PagesRig, sessionCookie, startPages } from './helpers/pages.js';
import { freePort } from './helpers/ports.js';

const PASSWORD = 'a relying party passphrase';

// Sign in with Tessera, as an application using openid-client and a person in Debian's Chromium on the
// hosted sign-in page: code + PKCE, ID token, userinfo, refresh rotation, revocation, logout, consent.
describe.skipIf(!hasChromium)(`Sign in with Tessera (${driver})`, () => {
  let rig: PagesRig;
  let admin: Awaited<ReturnType<typeof applicationAdmin>>;

  beforeAll(async () => {
    rig = await startPages();
    admin = await applicationAdmin(rig.h);
  }, 120_000);
  afterAll(async () => rig?.close());

  async function browser() {
    return rig.context();
  }

  async function application(body: Record<string, unknown> = {}) {
    const app = await registerApplication(rig.h, admin, {
      name: 'Team wiki',
      kind: 'web',
      redirectUris: [APP_CALLBACK],
      postLogoutRedirectUris: [APP_SIGNED_OUT],
      scopes: ['openid', 'offline_access', 'email', 'profile', 'roles', 'organization'],
      firstParty: true,
      ...body,
    });
    return { ...app, config: await relyingParty(rig.base, app.application.clientId, app.clientSecret) };
  }

  /** An authorization request in the browser; the caller signs in (or not) and waits for the callback. */
  const authorize = (context: BrowserContext, config: client.Configuration, extra: Record<string, string> = {}) =>
    startAuthorization(context, config, { scope: 'openid email profile offline_access roles organization', ...extra });

  async function signIn(page: Page, email: string) {
    await page.waitForURL((target) => target.pathname === '/sign-in');
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it('signs a person in with code + PKCE: ID token checked against the JWKS, userinfo, refresh rotation, revocation', async () => {
    const { config, application: app } = await application();
    const person = await createUser(rig.h, { password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace', username: 'ada' });
    const context = await browser();
    const flow = await authorize(context, config);
    await signIn(flow.page, person.email);
    const callback = await flow.callback();
    expect(callback.searchParams.get('iss')).toBe(rig.base);
    const tokens = await flow.redeem(callback);

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks, { issuer: rig.base, audience: app.clientId });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: person.id, amr: ['pwd'] });
    expect(typeof payload.auth_time).toBe('number');

    const info = await client.fetchUserInfo(config, tokens.access_token, person.id);
    expect(info).toMatchObject({
      sub: person.id,
      email: person.email,
      email_verified: true,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      preferred_username: 'ada',
      roles: [],
      permissions: [],
    });

    // Refresh tokens rotate.
    const first = tokens.refresh_token as string;
    expect(first).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, first);
    const current = refreshed.refresh_token as string;
    expect(current).toBeTruthy();
    expect(current).not.toBe(first);

    // A used refresh token presented again is refused, and ends its whole family: the current one too.
    expect((await client.tokenIntrospection(config, current)).active).toBe(true);
    await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client.tokenIntrospection(config, current)).active).toBe(false);
    await expect(client.refreshTokenGrant(config, current)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await auditActions(rig.h, person.id)).toContain('oidc.authorized');
    await context.close();
  }, 90_000);

  it('answers introspection of a token only to the application it was issued to (RFC 7662)', async () => {
    const { config } = await application();
    const other = await application({ name: 'Other app' });
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await browser();
    const flow = await authorize(context, config);
    await signIn(flow.page, person.email);
    const tokens = await flow.redeem();
    for (const token of [tokens.access_token, tokens.refresh_token as string]) {
      expect(await client.tokenIntrospection(other.config, token)).toEqual({ active: false });
      expect(await client.tokenIntrospection(config, token)).toMatchObject({ active: true, sub: person.id });
    }
    await context.close();
  }, 90_000);

  it('revokes tokens, and ends the browser session on RP-initiated logout; prompt=none then answers login_required', async () => {
    const { config, application: app } = await application();
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await browser();
    const flow = await authorize(context, config);
    await signIn(flow.page, person.email);
    const tokens = await flow.redeem();
    // Signed in at Tessera now: a second request needs no sign-in page (single sign-on).
    const again = await authorize(context, config, { prompt: 'none' });
    expect((await again.callback()).searchParams.get('code')).toBeTruthy();
    const cookie = await sessionCookie(context);
    expect(cookie).toBeDefined();

    // A token revoked, then introspection says inactive (and userinfo refuses it).
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await client.tokenRevocation(config, tokens.access_token);
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    await expect(client.fetchUserInfo(config, tokens.access_token, person.id)).rejects.toBeDefined();
    expect(await auditActions(rig.h, app.id)).toContain('oidc.token_revoked');

    const page = await context.newPage();
    const signedOut = page.waitForRequest((request) => request.url().startsWith(APP_SIGNED_OUT), { timeout: 60_000 });
    await page.goto(
      client.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token as string,
        post_logout_redirect_uri: APP_SIGNED_OUT,
        state: 'bye',
      }).href,
    );
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    expect(new URL((await signedOut).url()).searchParams.get('state')).toBe('bye');
    expect(await sessionCookie(context)).toBeUndefined();
    expect(await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `${cookie?.name}=${cookie?.value}` } })).toBeUndefined();

    const silent = await authorize(context, config, { prompt: 'none' });
    expect((await silent.callback()).searchParams.get('error')).toBe('login_required');
    expect(await auditActions(rig.h, person.id)).toContain('oidc.logout');
    await context.close();
  }, 90_000);

  // The logout's writes are one use case: its audit row refused (a real constraint), the browser session is not ended either.
  it('ends the browser session on RP-initiated logout only together with its audit row', async () => {
    const { config } = await application();
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await browser();
    const flow = await authorize(context, config);
    await signIn(flow.page, person.email);
    const tokens = await flow.redeem();
    const cookie = await sessionCookie(context);
    const browserSession = () => rig.h.app.modules.hosted.browserSession({ headers: { cookie: `${cookie?.name}=${cookie?.value}` } });
    const session = await browserSession();
    expect(session?.userId).toBe(person.id);

    const db = rig.h.context.database.primary;
    await db.execute(sql`ALTER TABLE audit_logs ADD CONSTRAINT refuse_oidc_logout CHECK (action <> 'oidc.logout') NOT VALID`);
    try {
      const page = await context.newPage();
      await page.goto(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string }).href);
      const confirmed = page.waitForResponse((response) => response.url().endsWith('/oidc/session/end/confirm'));
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      expect((await confirmed).status()).toBe(500);
    } finally {
      await db.execute(sql`ALTER TABLE audit_logs DROP CONSTRAINT refuse_oidc_logout`);
    }
    expect((await browserSession())?.sessionId).toBe(session?.sessionId);
    expect(await auditActions(rig.h, session?.sessionId as string)).not.toContain('auth.logout');
    await context.close();
  }, 90_000);

  it('asks consent for a third-party application, lists it under connected apps, and revoking it ends its tokens', async () => {
    const { config, application: app } = await application({ name: 'Partner tool', firstParty: false });
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await browser();
    const flow = await authorize(context, config, { scope: 'openid email offline_access', prompt: 'consent' });
    await signIn(flow.page, person.email);
    await flow.page.getByRole('heading', { name: 'Partner tool wants to access your account' }).waitFor();
    expect(await flow.page.textContent('main')).toContain('See your email address');
    await flow.page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await flow.redeem();
    expect(tokens.refresh_token).toBeTruthy();

    const api = await loginAs(rig.h, {});
    const own = {
      authorization: `Bearer ${(await rig.h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: person.email, password: PASSWORD } })).json().accessToken}`,
    };
    expect(api.userId).not.toBe(person.id);
    const listed = await rig.h.app.inject({ method: 'GET', url: '/auth/connected-apps', headers: own });
    expect(listed.statusCode).toBe(200);
    const [connected] = listed.json().data;
    expect(connected).toMatchObject({ clientId: app.clientId, name: 'Partner tool' });
    expect(connected.scopes).toEqual(expect.arrayContaining(['openid', 'email']));
    // Someone else cannot revoke it.
    expect(
      (await rig.h.app.inject({ method: 'DELETE', url: `/auth/connected-apps/${connected.grantId}`, headers: api.headers })).statusCode,
    ).toBe(404);
    expect((await rig.h.app.inject({ method: 'DELETE', url: `/auth/connected-apps/${connected.grantId}`, headers: own })).statusCode).toBe(
      204,
    );
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await rig.h.app.inject({ method: 'GET', url: '/auth/connected-apps', headers: own })).json().data).toEqual([]);
    expect(await auditActions(rig.h, person.id)).toEqual(expect.arrayContaining(['oidc.consent_granted', 'oidc.consent_revoked']));
    await context.close();
  }, 90_000);

  it('ends what an application holds once a scope is taken from it: nothing won under the wider grant still releases it', async () => {
    const { config, application: app } = await application({ name: 'Narrowed tool', firstParty: false });
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await browser();
    const flow = await authorize(context, config, { scope: 'openid email offline_access', prompt: 'consent' });
    await signIn(flow.page, person.email);
    await flow.page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await flow.redeem();
    expect(await client.fetchUserInfo(config, tokens.access_token, person.id)).toMatchObject({ email: person.email });

    // Its administrator decides it may no longer see addresses.
    const narrowed = await rig.h.app.inject({
      method: 'PATCH',
      url: `/applications/${app.id}`,
      headers: admin.headers,
      payload: { scopes: ['openid', 'offline_access', 'profile'] },
    });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(config, tokens.access_token, person.id)).rejects.toMatchObject({ status: 401 });
    // What it may still ask for, it asks for again.
    const again = await authorize(context, config, { scope: 'openid profile offline_access', prompt: 'consent' });
    await again.page.getByRole('button', { name: 'Allow' }).click();
    const fresh = await again.redeem();
    expect(fresh.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(await client.fetchUserInfo(config, fresh.access_token, person.id)).not.toHaveProperty('email');
    await context.close();
  }, 90_000);

  it('shows a first-party application no consent page when it later asks for more scopes', async () => {
    const { config } = await application();
    const person = await createUser(rig.h, { password: PASSWORD, firstName: 'Edsger' });
    const context = await browser();
    const first = await authorize(context, config, { scope: 'openid email' });
    await signIn(first.page, person.email);
    await first.redeem();
    const more = await authorize(context, config, { scope: 'openid email profile' });
    const tokens = await more.redeem();
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    expect(await client.fetchUserInfo(config, tokens.access_token, person.id)).toMatchObject({ email: person.email, given_name: 'Edsger' });
    await context.close();
  }, 90_000);

  it('releases only the claims of granted scopes, whatever the claims parameter names', async () => {
    const { config, application: app } = await application({ name: 'Claims reader', firstParty: false });
    const person = await createUser(rig.h, { password: PASSWORD, firstName: 'Grace' });
    const context = await browser();
    const claims = { id_token: { email: null, given_name: null }, userinfo: { email: null, given_name: null, roles: null } };
    const flow = await authorize(context, config, { scope: 'openid profile', claims: JSON.stringify(claims) });
    await signIn(flow.page, person.email);
    await flow.page.getByRole('button', { name: 'Allow' }).click();
    const tokens = await flow.redeem();
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    const { payload } = await jwtVerify(tokens.id_token as string, jwks, { issuer: rig.base, audience: app.clientId });
    expect(payload).toMatchObject({ sub: person.id });
    // Neither a claim of a scope not asked for nor, by name, one of a granted scope in the ID token.
    expect(payload).not.toHaveProperty('email');
    expect(payload).not.toHaveProperty('given_name');
    const info = await client.fetchUserInfo(config, tokens.access_token, person.id);
    expect(info).toMatchObject({ sub: person.id, given_name: 'Grace' });
    expect(info).not.toHaveProperty('email');
    expect(info).not.toHaveProperty('roles');
    await context.close();
  }, 90_000);

  it('finishes on another node a flow started on one', async () => {
    const { application: app, clientSecret } = await application();
    const person = await createUser(rig.h, { password: PASSWORD });
    const port = await freePort();
    const other = `http://127.0.0.1:${port}`;
    const peer: Harness = await createPeer(rig.h);
    await peer.app.listen({ port, host: '127.0.0.1' });
    try {
      // The application talks to the second node; the browser starts on the first and is moved to the second after sign-in.
      const config = await relyingParty(rig.base, app.clientId, clientSecret, other);
      const context = await browser();
      const flow = await authorize(context, config);
      await signIn(flow.page, person.email);
      const tokens = await flow.redeem();
      expect((await client.fetchUserInfo(config, tokens.access_token, person.id)).sub).toBe(person.id);
      await expect(client.refreshTokenGrant(config, tokens.refresh_token as string)).resolves.toHaveProperty('access_token');
      await context.close();
    } finally {
      await peer.close();
    }
  }, 90_000);

  it("ends what applications hold of a person once their password is set anew: refresh tokens and the provider's session", async () => {
    const { config } = await application();
    const person = await createUser(rig.h, { password: PASSWORD });
    const context = await browser();
    const flow = await authorize(context, config);
    await signIn(flow.page, person.email);
    const refresh = (await flow.redeem(await flow.callback())).refresh_token as string;
    expect((await client.tokenIntrospection(config, refresh)).active).toBe(true);

    // As after a reset by mail or a change by the person: every session of theirs ends, the applications' included.
    const setter = await loginAs(rig.h, { permissions: ['users:write', 'users:read'] });
    const set = await rig.h.app.inject({
      method: 'PUT',
      url: `/users/${person.id}/password`,
      headers: setter.headers,
      payload: { password: 'a brand new passphrase for 2027' },
    });
    expect(set.statusCode, set.body).toBe(204);

    expect((await client.tokenIntrospection(config, refresh)).active).toBe(false);
    await expect(client.refreshTokenGrant(config, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
    const next = await authorize(context, config, { prompt: 'none' });
    expect((await next.callback()).searchParams.get('error')).toBe('login_required');
    await context.close();
  }, 90_000);

  it('lets no suspended person complete a flow', async () => {
    const { config } = await application();
    const person = await createUser(rig.h, { password: PASSWORD });
    const suspender = await loginAs(rig.h, { permissions: ['users:suspend', 'users:read'] });
    const context = await browser();
    const flow = await authorize(context, config);
    await signIn(flow.page, person.email);
    const callback = await flow.callback();
    const suspended = await rig.h.app.inject({
      method: 'POST',
      url: `/users/${person.id}/suspend`,
      headers: suspender.headers,
      payload: { reason: 'test' },
    });
    expect(suspended.statusCode).toBe(200);
    // The code was issued before; redeeming it for a suspended person fails.
    await expect(flow.redeem(callback)).rejects.toMatchObject({ error: 'invalid_grant' });
    // And a new request finds no session: the sign-in page refuses them.
    const next = await authorize(context, config, { prompt: 'none' });
    expect((await next.callback()).searchParams.get('error')).toBe('login_required');
    await context.close();
  }, 90_000);
});
