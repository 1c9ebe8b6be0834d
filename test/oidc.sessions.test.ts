import { decodeJwt } from 'jose';
import type * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { driver } from './helpers/databases.js';
import { APP_CALLBACK, applicationAdmin, registerApplication, relyingParty, startAuthorization } from './helpers/oidc.js';
import { type PagesRig, sessionCookie, signInOnPage, startPages } from './helpers/pages.js';

const PASSWORD = 'a single sign-on passphrase';

// The provider's sign-in is the Tessera browser session's: single sign-on while it lasts, none once it has
// ended; prompt=login and max_age ask the person to sign in again, on the hosted sign-in page.
describe.skipIf(!hasChromium)(`Sign in with Tessera: the browser session (${driver})`, () => {
  let rig: PagesRig;
  let admin: Awaited<ReturnType<typeof applicationAdmin>>;

  beforeAll(async () => {
    rig = await startPages();
    admin = await applicationAdmin(rig.h);
  }, 120_000);
  afterAll(async () => rig?.close());

  async function application(name: string) {
    const app = await registerApplication(rig.h, admin, {
      name,
      kind: 'web',
      redirectUris: [APP_CALLBACK],
      scopes: ['openid', 'email', 'profile'],
      firstParty: true,
    });
    return relyingParty(rig.base, app.application.clientId, app.clientSecret);
  }

  const authorize = (context: BrowserContext, config: client.Configuration, extra: Record<string, string> = {}) =>
    startAuthorization(context, config, { scope: 'openid email', ...extra });

  async function signIn(page: Page, email: string) {
    await page.waitForURL((target) => target.pathname === '/sign-in');
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  const idToken = async (flow: Awaited<ReturnType<typeof authorize>>) => decodeJwt((await flow.redeem()).id_token as string);

  async function signOutOfTessera(context: BrowserContext) {
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-out`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.close();
  }

  /** A new person signed in to a new application `name` in a fresh browser: the flow's ID token checked. */
  async function signedInTo(name: string) {
    const wiki = await application(name);
    const ada = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();
    const first = await authorize(context, wiki);
    await signIn(first.page, ada.email);
    expect((await idToken(first)).sub).toBe(ada.id);
    return { wiki, ada, context };
  }

  it('signs a person in to a second application without asking; after signing out of Tessera, neither a silent nor a new request is signed in', async () => {
    const { wiki, ada, context } = await signedInTo('Wiki');
    const tracker = await application('Tracker');

    // Single sign-on: the second application's request comes straight back, with no sign-in page.
    const second = await authorize(context, tracker);
    expect((await idToken(second)).sub).toBe(ada.id);

    await signOutOfTessera(context);
    const silent = await authorize(context, wiki, { prompt: 'none' });
    expect((await silent.callback()).searchParams.get('error')).toBe('login_required');
    const again = await authorize(context, tracker);
    await again.page.waitForURL((target) => target.pathname === '/sign-in');
    await context.close();
  }, 120_000);

  it('answers a silent request (prompt=none) of a person signed in to Tessera itself, as a request with a page would be', async () => {
    const wiki = await application('Silent wiki');
    const ada = await createUser(rig.h, { password: PASSWORD });
    const grace = await createUser(rig.h, { password: PASSWORD });
    const context = await rig.context();
    // Signed in on the hosted pages, never through an application: no request would show them a page.
    await signInOnPage(rig, context, ada.email, PASSWORD);
    const silent = await authorize(context, wiki, { prompt: 'none' });
    expect((await idToken(silent)).sub).toBe(ada.id);

    // The next person on the browser signs in to Tessera: a silent request is theirs, never Ada's nor refused.
    await signOutOfTessera(context);
    await signInOnPage(rig, context, grace.email, PASSWORD);
    const next = await authorize(context, wiki, { prompt: 'none' });
    expect((await idToken(next)).sub).toBe(grace.id);
    await context.close();
  }, 120_000);

  it('gives the next person on a shared browser their own account, never the previous one’s', async () => {
    const { wiki, ada, context } = await signedInTo('Shared wiki');
    const grace = await createUser(rig.h, { password: PASSWORD });
    await signOutOfTessera(context);

    // Grace signs in to Tessera itself; the application then gets her, without another sign-in.
    await signInOnPage(rig, context, grace.email, PASSWORD);
    const next = await authorize(context, wiki);
    expect((await idToken(next)).sub).toBe(grace.id);
    expect(await sessionCookie(context)).toBeDefined();

    // Grace's browser session ended from the API (her sessions list): the application's next request asks again.
    const cookie = await sessionCookie(context);
    const browserSession = await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `${cookie?.name}=${cookie?.value}` } });
    const api = await rig.h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: grace.email, password: PASSWORD } });
    const ended = await rig.h.app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${browserSession?.sessionId}`,
      headers: { authorization: `Bearer ${api.json().accessToken}` },
    });
    expect(ended.statusCode).toBe(204);
    const after = await authorize(context, wiki);
    await after.page.waitForURL((target) => target.pathname === '/sign-in');
    await signIn(after.page, ada.email);
    expect((await idToken(after)).sub).toBe(ada.id);
    await context.close();
  }, 120_000);

  for (const [asking, extra] of [
    ['prompt=login', { prompt: 'login' }],
    ['max_age=0', { max_age: '0' }],
  ] as const) {
    it(`asks a signed-in person to sign in again for ${asking}, then carries on with an auth_time after the request`, async () => {
      const { wiki, ada, context } = await signedInTo(`Ledger (${asking})`);

      const asked = Math.floor(Date.now() / 1000);
      const flow = await authorize(context, wiki, extra);
      await flow.page.waitForURL((target) => target.pathname === '/sign-in');
      await flow.page.getByText(`Signed in as ${ada.email}. Sign in again to continue.`).waitFor();
      expect(await flow.page.getByLabel('Email or username').inputValue()).toBe(ada.email);
      await flow.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await flow.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      const token = await idToken(flow);
      expect(token.sub).toBe(ada.id);
      expect(token.auth_time).toBeGreaterThanOrEqual(asked);

      // Single sign-on goes on with the new sign-in.
      const plain = await authorize(context, wiki);
      expect(await idToken(plain)).toMatchObject({ sub: ada.id, auth_time: token.auth_time });
      await context.close();
    }, 120_000);
  }

  it('lets someone asked to sign in again use another account instead', async () => {
    const { wiki, context } = await signedInTo('Handover');
    const grace = await createUser(rig.h, { password: PASSWORD });

    const flow = await authorize(context, wiki, { prompt: 'login' });
    await flow.page.getByRole('link', { name: 'Use another account' }).click();
    await flow.page.waitForURL((target) => target.searchParams.get('prompt') === 'select_account');
    expect(await flow.page.getByLabel('Email or username').inputValue()).toBe('');
    await signIn(flow.page, grace.email);
    expect((await idToken(flow)).sub).toBe(grace.id);
    const cookie = await sessionCookie(context);
    const now = await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `${cookie?.name}=${cookie?.value}` } });
    expect(now?.userId).toBe(grace.id);
    await context.close();
  }, 120_000);
});
