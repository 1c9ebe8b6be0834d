import { createServer, type Server } from 'node:http';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { hashPassword } from '../src/platform/passwords.js';
import { createUser, login } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { auditActions, federationConfig, pkcePair } from './helpers/federation.js';
import { startOpenIdProvider, type TestProvider } from './helpers/op.js';
import { checkPage, checkPageAtEachWidth, type PagesRig, sessionCookie, startPages, widths } from './helpers/pages.js';
import { freePort } from './helpers/ports.js';
import { stepAt, totpCode } from './helpers/totp.js';

let counter = 0;

// Social sign-in from the sign-in page, in Chromium, through a real OpenID provider (panva's oidc-provider
// over TLS on loopback): the button, the provider, and back signed in — to the account, to an app with a
// one-time code, or to the second step first when the person has a second factor.
describe.skipIf(!hasChromium)('social sign-in on the hosted pages', () => {
  let rig: PagesRig;
  let op: TestProvider;
  let app: Server;
  let appCallback: string;

  /** A new person at the provider, who signs in there next. */
  function nextPerson(email = `social${++counter}-${Date.now()}@example.com`) {
    const sub = `person-${++counter}`;
    op.accounts.set(sub, { email, email_verified: true, given_name: 'Ada', family_name: 'Lovelace' });
    op.signInAs = sub;
    return email;
  }

  beforeAll(async () => {
    const appPort = await freePort();
    appCallback = `http://127.0.0.1:${appPort}/callback`;
    app = createServer((_request, response) => response.end('the app'));
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    const port = await freePort();
    op = await startOpenIdProvider({
      clientId: 'tessera',
      clientSecret: 'tessera-secret',
      redirectUris: [`http://127.0.0.1:${port}/auth/oauth/oidc/callback`],
    });
    rig = await startPages(
      {
        ...federationConfig,
        OAUTH_REDIRECT_ALLOWLIST: appCallback,
        OAUTH_OIDC_ISSUER: op.issuer,
        OAUTH_OIDC_CLIENT_ID: 'tessera',
        OAUTH_OIDC_CLIENT_SECRET: 'tessera-secret',
      },
      undefined,
      port,
    );
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await op?.close();
    await new Promise((resolve) => app?.close(resolve));
  });

  const providerButton = (page: Page, language: 'en' | 'de' = 'en') =>
    page.getByRole('link', { name: language === 'de' ? 'Weiter mit Single sign-on' : 'Continue with Single sign-on' });

  // The journey once in each language, at one width each; the sign-in page checked at both.
  for (const [language, width] of [
    ['en', widths[0]],
    ['de', widths[1]],
  ] as const) {
    it(`creates the account at the first sign-in and lands on the account page (${language}, ${width} px)`, async () => {
      const email = nextPerson();
      const context = await rig.context({ width, language, axe: true, testTls: true });
      const page = await context.newPage();
      await page.goto(`${rig.base}/sign-in`);
      await page.getByRole('heading', { name: language === 'de' ? 'Oder anmelden mit' : 'Or sign in with' }).waitFor();
      await checkPageAtEachWidth(page);
      await providerButton(page, language).click();
      await page.waitForURL(`${rig.base}/account`);
      // The page speaks the person's own language preference now (the new account's: English), not the browser's.
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      const cookie = await sessionCookie(context);
      const session = await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } });
      expect(session?.amr).toEqual(['fed']);
      expect((await rig.h.app.modules.hosted.person(session?.userId as string))?.email).toBe(email);
      expect(await auditActions(rig.h, session?.userId as string)).toContain('federation.registered');
      await context.close();
    }, 90_000);
  }

  it('shows the page of a return that matches no sign-in in each language, within a phone’s width, axe clean', async () => {
    for (const language of ['en', 'de'] as const) {
      const context = await rig.context({ language, axe: true, testTls: true });
      const page = await context.newPage();
      const answer = await page.goto(`${rig.base}/auth/oauth/oidc/callback?error=access_denied&state=long-gone`);
      expect(new URL(page.url()).pathname).toBe('/sign-in/social/expired');
      expect(answer?.status()).toBe(400);
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      await page.getByRole('link').first().waitFor();
      await checkPageAtEachWidth(page);
      await context.close();
    }
  }, 90_000);

  it('works without JavaScript and keeps return_to through the provider', async () => {
    nextPerson();
    const context = await rig.context({ javaScript: false, testTls: true });
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in?return_to=${encodeURIComponent('/account?lang=de')}`);
    await providerButton(page).click();
    await page.waitForURL(`${rig.base}/account?lang=de`);
    expect(await sessionCookie(context)).toBeDefined();
    await context.close();
  }, 90_000);

  it("carries an app's round trip through the provider: back at the app's redirect_uri with a code and its state", async () => {
    nextPerson();
    const { verifier, challenge } = pkcePair();
    const context = await rig.context({ testTls: true });
    const page = await context.newPage();
    const query = new URLSearchParams({
      redirect_uri: appCallback,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'app-7',
    });
    await page.goto(`${rig.base}/sign-in?${query}`);
    await providerButton(page).click();
    await page.waitForURL((url) => url.href.startsWith(appCallback));
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe('app-7');
    const tokens = await rig.h.app.inject({
      method: 'POST',
      url: '/auth/oauth/token',
      payload: { code: back.searchParams.get('code'), codeVerifier: verifier },
    });
    expect(tokens.statusCode, tokens.body).toBe(200);
    expect(tokens.json()).toMatchObject({ tokenType: 'Bearer' });
    // The browser is signed in too: the next app request goes straight back with a new code.
    const second = pkcePair();
    await page.goto(
      `${rig.base}/sign-in?${new URLSearchParams({ redirect_uri: appCallback, code_challenge: second.challenge, code_challenge_method: 'S256' })}`,
    );
    await page.waitForURL((url) => url.href.startsWith(appCallback));
    await context.close();
  }, 90_000);

  it('still asks for the second factor of a person who has one, then signs them in', async () => {
    const user = await createUser(rig.h, { password: 'a social passphrase' });
    const session = await login(rig.h, user.email, 'a social passphrase');
    const started = await rig.h.app.inject({ method: 'POST', url: '/auth/mfa/totp', payload: {}, headers: session.headers });
    const { factorId, secret } = started.json();
    const confirmed = await rig.h.app.inject({
      method: 'POST',
      url: `/auth/mfa/totp/${factorId}/confirm`,
      payload: { code: totpCode(secret, stepAt()) },
      headers: session.headers,
    });
    expect(confirmed.statusCode).toBe(200);
    // The provider vouches for the same verified address: the identity is linked to this account.
    nextPerson(user.email);
    const context = await rig.context({ testTls: true });
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in`);
    await providerButton(page).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    expect(await sessionCookie(context)).toBeUndefined();
    await page.getByLabel('Code').fill(totpCode(secret, stepAt() + 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${rig.base}/account`);
    const cookie = await sessionCookie(context);
    const browser = await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } });
    expect(browser?.userId).toBe(user.id);
    await context.close();
  }, 90_000);

  it('sends a person an administrator gave a temporary password to replace it first, then where they were headed', async () => {
    const user = await createUser(rig.h);
    const temporary = await hashPassword('handed over by phone');
    await rig.h.app.modules.users.setPasswordHash(rig.h.context.database.primary, user.id, temporary, true);
    nextPerson(user.email);
    const context = await rig.context({ testTls: true });
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in?return_to=%2Fsign-out`);
    await providerButton(page).click();
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    expect(await sessionCookie(context)).toBeUndefined();
    await page.getByLabel('New password').fill('a passphrase of my own');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(`${rig.base}/sign-out`);
    const cookie = await sessionCookie(context);
    const browser = await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } });
    expect(browser).toMatchObject({ userId: user.id, amr: ['fed'] });
    await context.close();
  }, 90_000);

  it('lets a person with no password delete their account once they signed in again through their provider', async () => {
    const email = nextPerson();
    const context = await rig.context({ testTls: true, axe: true });
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in`);
    await providerButton(page).click();
    await page.waitForURL(`${rig.base}/account`);
    const first = await rig.h.app.modules.hosted.browserSession({
      headers: { cookie: `tessera_session=${(await sessionCookie(context))?.value}` },
    });
    const userId = first?.userId as string;
    // An hour later, the sign-in is no proof any more: no password to ask, so the provider is asked again.
    await queryRows(
      rig.h.context.database.primary,
      sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = ${userId}`,
    );
    await page.goto(`${rig.base}/account/delete`);
    expect(await page.getByLabel('Current password').count()).toBe(0);
    await page.getByLabel('I understand that I will no longer be able to sign in').check();
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByText('You have no password here: sign in again through your provider first').waitFor();
    await checkPage(page);
    expect((await rig.h.app.modules.hosted.person(userId))?.status).toBe('ACTIVE');
    await page.getByRole('link', { name: 'Sign in again with Single sign-on' }).click();
    await page.waitForURL(`${rig.base}/account/delete`);
    await page.getByLabel('I understand that I will no longer be able to sign in').check();
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL(`${rig.base}/sign-in?deleted=1`);
    const person = await rig.h.app.modules.hosted.person(userId);
    expect([person?.email, person?.status]).toEqual([email, 'INACTIVE']);
    expect(await auditActions(rig.h, userId)).toContain('user.deactivated');
    await context.close();
  }, 90_000);

  it("redeems nothing when the way back is not this browser's (no journey cookie, or another state)", async () => {
    const res = await rig.h.app.inject({ method: 'GET', url: '/sign-in/social/return?code=abc&state=forged' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const unknown = await rig.h.app.inject({ method: 'GET', url: '/sign-in/with/nowhere' });
    expect(unknown.statusCode).toBe(404);
    const started = await rig.h.app.inject({ method: 'GET', url: '/sign-in/with/oidc' });
    expect(started.statusCode).toBe(303);
    const journey = String(started.headers['set-cookie']).split(';')[0] as string;
    const forged = await rig.h.app.inject({
      method: 'GET',
      url: '/sign-in/social/return?code=abc&state=forged',
      headers: { cookie: journey },
    });
    expect(forged.statusCode).toBe(400);
  });
});
