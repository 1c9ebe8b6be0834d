import { createServer, type Server } from 'node:http';
import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser } from './helpers/auth.js';
import { seriousAxeViolations } from './helpers/axe.js';
import { type ChromiumSession, chromiumSession, hasChromium } from './helpers/chromium.js';
import { pkcePair } from './helpers/federation.js';
import { freePort } from './helpers/ports.js';
import { stepAt, totpCode } from './helpers/totp.js';

// Passkeys in Debian's Chromium with a CDP virtual authenticator (resident keys, user verification), on the
// hosted pages at http://localhost:<port>: WebAuthn's relying party is `localhost`, a secure context.
describe.skipIf(!hasChromium)('passkeys and the second step on the hosted pages', () => {
  let h: Harness;
  let base: string;
  let browser: ChromiumSession;
  /** An app that sends people to the sign-in page with its redirect_uri and PKCE challenge. */
  let appCallback: string;
  let app: Server;

  beforeAll(async () => {
    const appPort = await freePort();
    appCallback = `http://127.0.0.1:${appPort}/callback`;
    app = createServer((_request, response) => response.end('the app'));
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    const port = await freePort();
    base = `http://localhost:${port}`;
    h = await createHarness({
      config: { PUBLIC_URL: base, AUTH_RATE_LIMIT_PER_MINUTE: '100000', OAUTH_REDIRECT_ALLOWLIST: appCallback },
    });
    await h.app.listen({ port, host: '127.0.0.1' });
    browser = chromiumSession();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    app?.close();
  });

  /**
   * A browser profile with a platform authenticator that holds discoverable credentials and verifies its user.
   * Chromium's virtual authenticator answers a conditional (autofill) request at once, with no one picking a
   * suggestion; so, unless `autofill` is asked for, the profile is a browser without passkey autofill (it
   * says conditional mediation is unavailable) and the button is what signs in.
   */
  async function withAuthenticator(options: { axe?: boolean; autofill?: boolean } = {}) {
    const context = await browser.newContext({ bypassCSP: options.axe ?? false });
    if (!options.autofill)
      await context.addInitScript(() => {
        PublicKeyCredential.isConditionalMediationAvailable = async () => false;
      });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    return { context, page, credentials };
  }

  /** "Add a passkey" on /account, in a session strong enough for it: the authenticator makes one. */
  async function addPasskey(page: Page) {
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText(/^Passkey: Passkey$/).waitFor();
  }

  /** A person signed in with their password in a browser whose authenticator now holds their passkey. */
  async function personWithPasskey(password: string) {
    const user = await createUser(h, { password });
    const browser = await withAuthenticator();
    await passwordSignIn(browser.page, user.email, password);
    await addPasskey(browser.page);
    return { user, ...browser };
  }

  async function passwordSignIn(page: Page, email: string, password: string) {
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel(/^Password$/).fill(password);
    await page.getByRole('button', { name: /^Sign in$/ }).click();
  }

  it('registers a passkey on /account, signs out, signs in with it and no password; a browser without it cannot', async () => {
    const user = await createUser(h, { password: 'a passkey person passphrase' });
    const { context, page, credentials } = await withAuthenticator({ axe: true });
    await passwordSignIn(page, user.email, 'a passkey person passphrase');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await addPasskey(page);
    expect(await credentials()).toHaveLength(1);
    const listed = await h.app.inject({ method: 'GET', url: `/users/${user.id}?include=mfa`, headers: await adminHeaders() });
    expect(listed.json().mfa).toMatchObject({
      enabled: true,
      kinds: ['recovery_code', 'webauthn'],
      factors: [{ kind: 'webauthn', lastUsedAt: null }],
    });

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await page.textContent('main')).toContain(user.email);
    const cookie = (await context.cookies()).find((entry) => entry.name === 'tessera_session');
    const session = await h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } });
    expect(session?.amr).toEqual(['hwk']);

    // Another browser profile has an authenticator, but not this credential: the ceremony finds nothing to use.
    const other = await withAuthenticator();
    await other.page.goto(`${base}/sign-in`);
    await other.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await other.page.getByText('The passkey did not work').waitFor({ timeout: 30_000 });
    // The button, disabled while the ceremony ran, lost the focus: the failure has it, where it is read out.
    expect(await other.page.evaluate(() => document.activeElement?.id)).toBe('passkey-status');
    expect((await other.context.cookies()).find((entry) => entry.name === 'tessera_session')).toBeUndefined();
    await other.context.close();
    await context.close();
  }, 120_000);

  it('sends a passkey sign-in of an account with a temporary password to replace it first, on the pages and on the API', async () => {
    const { user, context, page } = await personWithPasskey('a passkey person passphrase');
    const setTemporary = async (password: string) =>
      h.app.inject({
        method: 'PUT',
        url: `/users/${user.id}/password`,
        headers: await adminHeaders(),
        payload: { password, temporary: true },
      });
    const browserSession = async () => {
      const cookie = (await context.cookies()).find((entry) => entry.name === 'tessera_session');
      return cookie && h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie.value}` } });
    };

    // The pages: the passkey leads to the temporary password's page, and only a new password to the account.
    expect((await setTemporary('handed over by phone')).statusCode).toBe(204);
    await page.goto(`${base}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    expect(await browserSession()).toBeUndefined();
    await page.getByLabel('New password').fill('a passphrase of my own');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    // Signed in as the passkey proved it, and the password the administrator knows is gone.
    expect(await browserSession()).toMatchObject({ userId: user.id, amr: ['hwk'] });
    const withTemporary = { email: user.email, password: 'handed over by phone' };
    expect((await h.app.inject({ method: 'POST', url: '/auth/login', payload: withTemporary })).statusCode).toBe(401);

    // The API answers what POST /auth/login answers a temporary password; its change token finishes the sign-in.
    expect((await setTemporary('handed over again')).statusCode).toBe(204);
    await page.goto(`${base}/sign-in`);
    const answer = await page.evaluate(async () => {
      const browser = (window as unknown as { SimpleWebAuthnBrowser: { startAuthentication(input: object): Promise<object> } })
        .SimpleWebAuthnBrowser;
      const started = await (await fetch('/auth/passkeys/login/options', { method: 'POST' })).json();
      const response = await browser.startAuthentication({ optionsJSON: started.options });
      const body = JSON.stringify({ challengeId: started.challengeId, response });
      const finished = await fetch('/auth/passkeys/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: finished.status, body: await finished.json() };
    });
    expect(answer).toEqual({ status: 200, body: { passwordChangeRequired: true, changeToken: expect.any(String) } });
    const changed = await h.app.inject({
      method: 'POST',
      url: '/auth/change-password',
      payload: { changeToken: answer.body.changeToken, newPassword: 'another passphrase of my own' },
    });
    expect(changed.statusCode).toBe(200);
    expect(decodeJwt(changed.json().accessToken)).toMatchObject({ sub: user.id, amr: ['hwk'] });
    await context.close();
  }, 120_000);

  it("comes back from a passkey sign-in where it was asked for: a page's return_to, or the app that sent the person", async () => {
    const { user, context, page } = await personWithPasskey('a returning passphrase');

    await context.clearCookies();
    await page.goto(`${base}/sign-in?return_to=${encodeURIComponent('/account/api-keys')}`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${base}/account/api-keys`);

    await context.clearCookies();
    const { verifier, challenge } = pkcePair();
    const appRequest = { redirect_uri: appCallback, code_challenge: challenge, code_challenge_method: 'S256', state: 'app-9' };
    await page.goto(`${base}/sign-in?${new URLSearchParams(appRequest)}`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((url) => url.href.startsWith(appCallback));
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe('app-9');
    const tokens = await h.app.inject({
      method: 'POST',
      url: '/auth/oauth/token',
      payload: { code: back.searchParams.get('code'), codeVerifier: verifier },
    });
    expect(tokens.statusCode, tokens.body).toBe(200);
    // Signed in as the browser was: by the passkey, which is the second factor too, so nothing is asked again.
    expect(decodeJwt(tokens.json().accessToken)).toMatchObject({ sub: user.id, amr: ['hwk'] });
    await context.close();
  }, 120_000);

  it('takes a passkey as the second step after a password, and a TOTP code or recovery code on the same page', async () => {
    const user = await createUser(h, { password: 'a two step passphrase' });
    const { context, page } = await withAuthenticator({ axe: true });
    await passwordSignIn(page, user.email, 'a two step passphrase');
    await page.goto(`${base}/account/authenticator`);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const secret = (await page.locator('code').first().textContent()) as string;
    // On a phone, which cannot scan its own screen, the same key opens in the authenticator app.
    const openInApp = await page.getByRole('link', { name: 'Open the key in an authenticator app on this device' }).getAttribute('href');
    expect(new URL(openInApp as string)).toMatchObject({ protocol: 'otpauth:', host: 'totp' });
    expect(new URL(openInApp as string).searchParams.get('secret')).toBe(secret);
    await page.getByLabel('Code').fill(totpCode(secret, stepAt()));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Continue' }).click();
    // This session was proven by the password only: adding a passkey now asks for a sign-in with the app.
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('The passkey did not work').waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
    await passwordSignIn(page, user.email, 'a two step passphrase');
    await page.getByLabel('Code').fill(totpCode(secret, stepAt() + 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await addPasskey(page);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();

    await passwordSignIn(page, user.email, 'a two step passphrase');
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    expect(await page.getByLabel('Code').getAttribute('autocomplete')).toBe('one-time-code');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel('Code').fill(totpCode(secret, stepAt() + 3));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('not right');
    await page.getByRole('link', { name: 'Use a recovery code' }).waitFor();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const cookie = (await context.cookies()).find((entry) => entry.name === 'tessera_session');
    const session = await h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } });
    expect(session?.amr).toEqual(['pwd', 'hwk', 'mfa']);
    await context.close();
  }, 120_000);

  it('signs in through passkey autofill: `username webauthn` on the field, a conditional request on load', async () => {
    const user = await createUser(h, { password: 'an autofill passphrase' });
    const { context, page } = await withAuthenticator({ autofill: true });
    // The page's own script asks for the conditional request; record what it asks the browser for.
    await context.addInitScript(() => {
      const get = navigator.credentials.get.bind(navigator.credentials);
      const seen: string[] = [];
      (window as unknown as { mediations: string[] }).mediations = seen;
      navigator.credentials.get = (options) => {
        seen.push(String(options?.mediation));
        return get(options);
      };
    });
    // No passkey yet: the request waits, and the password form is used as usual.
    await page.goto(`${base}/sign-in`);
    expect(await page.getByLabel('Email or username').getAttribute('autocomplete')).toBe('username webauthn');
    await page.waitForFunction(() => (window as unknown as { mediations: string[] }).mediations.includes('conditional'));
    await passwordSignIn(page, user.email, 'an autofill passphrase');
    await addPasskey(page);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // The signed-out page is the sign-in page: its autofill request finds the passkey and signs in with no press.
    await page.waitForURL(`${base}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const cookie = (await context.cookies()).find((entry) => entry.name === 'tessera_session');
    const session = await h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } });
    expect(session).toMatchObject({ userId: user.id, amr: ['hwk'] });
    await context.close();
  }, 120_000);

  let admin: Record<string, string> | undefined;
  async function adminHeaders() {
    if (admin) return admin;
    const person = await createUser(h, { roles: ['admin'] });
    const res = await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: person.email, password: person.password } });
    admin = { authorization: `Bearer ${res.json().accessToken}` };
    return admin;
  }
});
