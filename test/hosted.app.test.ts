import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentPage } from '../src/modules/oidc/views.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, login, signInByForm } from './helpers/auth.js';
import { overflowPx } from './helpers/axe.js';
import { hasChromium } from './helpers/chromium.js';
import { APP_REDIRECT, federationConfig, pkcePair, redeem } from './helpers/federation.js';
import { type PagesRig, startPages } from './helpers/pages.js';
import { freePort } from './helpers/ports.js';

/** An app's PKCE pair (RFC 7636, S256). */
function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// The app round trip as an app does it: send the person to /sign-in with its redirect URI and PKCE
// challenge, get a one-time code back at its callback, redeem it with the verifier for the usual tokens.
describe.skipIf(!hasChromium)('hosted sign-in for apps (PKCE round trip)', () => {
  let rig: PagesRig;
  let app: Server;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/callback`;
    app = createServer((_request, response) => response.end('the app'));
    await new Promise<void>((resolve) => app.listen(port, '127.0.0.1', resolve));
    rig = await startPages({ OAUTH_REDIRECT_ALLOWLIST: callback });
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await new Promise((resolve) => app?.close(resolve));
  });

  const start = (challenge: string, state: string, redirectUri = callback, method = 'S256') =>
    `${rig.base}/sign-in?${new URLSearchParams({ redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: method, state })}`;
  const redeem = (code: string, codeVerifier: string) =>
    rig.h.app.inject({ method: 'POST', url: '/auth/oauth/token', payload: { code, codeVerifier } });

  for (const javaScript of [true, false]) {
    it(`signs in, hands the app a one-time code with its state, and reuses the browser session (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const user = await createUser(rig.h, { password: 'an app passphrase' });
      const context = await rig.context({ javaScript });
      const page = await context.newPage();
      const first = pkce();
      await page.goto(start(first.challenge, 'xyz-1'));
      await page.getByLabel('Email or username').fill(user.email);
      await page.getByLabel(/^Password$/).fill('an app passphrase');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(callback));
      const back = new URL(page.url());
      expect(back.searchParams.get('state')).toBe('xyz-1');
      const code = back.searchParams.get('code') as string;

      expect((await redeem(code, pkce().verifier)).statusCode).toBe(400);
      // A wrong verifier spent the code: a code seen on the way is worth nothing.
      expect((await redeem(code, first.verifier)).statusCode).toBe(400);

      // Signed in already: straight back to the app with a new code, which the right verifier redeems.
      const second = pkce();
      await page.goto(start(second.challenge, 'xyz-2'));
      await page.waitForURL((url) => url.href.startsWith(callback));
      const again = new URL(page.url());
      expect(again.searchParams.get('state')).toBe('xyz-2');
      const tokens = await redeem(again.searchParams.get('code') as string, second.verifier);
      expect(tokens.statusCode).toBe(200);
      expect(tokens.json()).toMatchObject({ tokenType: 'Bearer', user: { id: user.id } });
      expect((await redeem(again.searchParams.get('code') as string, second.verifier)).statusCode).toBe(400);
      await context.close();
    }, 90_000);
  }

  it('answers an unknown redirect_uri or a missing S256 challenge with a page, never a redirect', async () => {
    const { challenge } = pkce();
    for (const url of [
      start(challenge, 's', 'https://evil.example/callback'),
      start(challenge, 's', callback, 'plain'),
      start('short', 's'),
    ]) {
      const res = await rig.h.app.inject({ method: 'GET', url: url.slice(rig.base.length) });
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    }
    const posted = await rig.h.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      payload: new URLSearchParams({
        csrf: 'anonymous',
        identifier: 'a@example.com',
        password: 'x',
        redirect_uri: 'https://evil.example/cb',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString(),
    });
    expect(posted.statusCode).toBe(400);
    expect(posted.headers.location).toBeUndefined();
  });

  it('shows the OpenID consent page within a phone’s width, whatever the length of the application’s name', async () => {
    const context = await rig.context({ width: 390 });
    const page = await context.newPage();
    const clientName = 'AcmeCorporationLearningManagementSystemIntegration';
    const english = await rig.h.app.modules.hosted.pageWords({ headers: {} });
    await page.setContent(
      consentPage(english, { uid: 'an-interaction', clientName, scopes: ['openid', 'email', 'profile', 'offline_access'] }),
    );
    await page.getByRole('heading', { name: `${clientName} wants to access your account` }).waitFor();
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);
    await context.close();
  });

  it('answers a browser back on a finished or expired OpenID sign-in request with a page, a script with problem+json', async () => {
    const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const shown = await rig.h.app.inject({ method: 'GET', url: '/oidc/interaction/finished-one', headers: { accept: html } });
    const confirmed = await rig.h.app.inject({
      method: 'POST',
      url: '/oidc/interaction/finished-one/confirm',
      headers: { accept: html, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'decision=allow',
    });
    for (const res of [shown, confirmed]) {
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('Start again from the application.');
    }
    const scripted = await rig.h.app.inject({ method: 'GET', url: '/oidc/interaction/finished-one' });
    expect(scripted.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(scripted.json().code).toBe('INTERACTION_NOT_FOUND');
  });

  it('speaks the browser’s language on the OpenID provider’s pages, as the hosted pages do', async () => {
    const html = 'text/html,application/xhtml+xml';
    const german = await rig.h.app.inject({
      method: 'GET',
      url: '/oidc/interaction/finished-one',
      headers: { accept: html, 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' },
    });
    expect(german.statusCode).toBe(404);
    expect(german.body).toContain('<html lang="de">');
    expect(german.body).toContain('<h1>Die Anmeldung kann nicht fortgesetzt werden</h1>');
    expect(german.body).toContain('Beginnen Sie erneut in der Anwendung.');
    // A language picked on the hosted pages (their cookie) outranks the browser's, there and here.
    const picked = await rig.h.app.inject({
      method: 'GET',
      url: '/oidc/interaction/finished-one',
      headers: { accept: html, 'accept-language': 'en', cookie: 'tessera_lang=de' },
    });
    expect(picked.body).toContain('<html lang="de">');
    const consent = consentPage(await rig.h.app.modules.hosted.pageWords({ headers: { 'accept-language': 'de' } }), {
      uid: 'an-interaction',
      clientName: 'Lernwerk',
      scopes: ['openid', 'email', 'custom:scope'],
    });
    expect(consent).toContain('<h1>Lernwerk möchte auf Ihr Konto zugreifen</h1>');
    expect(consent).toContain('<li>Ihre E-Mail-Adresse sehen</li><li>custom:scope</li>');
    expect(consent).toContain('>Erlauben</button>');
  });

  it('speaks the signed-in person’s own language on the OpenID provider’s pages, whatever the browser asks', async () => {
    const user = await createUser(rig.h, { password: 'a German passphrase' });
    const { headers } = await login(rig.h, user.email, user.password);
    const chosen = await rig.h.app.inject({ method: 'PUT', url: '/users/profile', headers, payload: { profile: { language: 'de' } } });
    expect(chosen.statusCode).toBe(200);
    const signedIn = await rig.h.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      payload: new URLSearchParams({ csrf: 'anonymous', identifier: user.email, password: user.password }).toString(),
    });
    expect(signedIn.statusCode).toBe(303);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0];
    const shown = await rig.h.app.inject({
      method: 'GET',
      url: '/oidc/interaction/finished-one',
      headers: { accept: 'text/html', 'accept-language': 'en', cookie: `${cookie}; tessera_lang=en` },
    });
    expect(shown.body).toContain('<html lang="de">');
    expect(shown.body).toContain('Beginnen Sie erneut in der Anwendung.');
    // Without the session, the same browser gets the language it picked.
    const anonymous = await rig.h.app.inject({
      method: 'GET',
      url: '/oidc/interaction/finished-one',
      headers: { accept: 'text/html', 'accept-language': 'en', cookie: 'tessera_lang=en' },
    });
    expect(anonymous.body).toContain('<html lang="en">');
  });
});

// The hosted pages' cookie names a browser session: one they began themselves. An API client's refresh token (a
// mobile app's, stolen from it) is no cookie: it would open every page and begin a new session through an app's
// round trip without ever being spent, so refresh-token reuse detection would never see it and logging that device
// out would end nothing the thief holds. A browser session's token, in turn, is no refresh token.
describe('the browser cookie is a browser session’s', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: federationConfig });
  }, 120_000);
  afterAll(async () => h?.close());

  const withCookie = (url: string, cookie: string) =>
    h.app.inject({ method: 'GET', url, headers: { cookie: `${h.app.modules.hosted.cookieName}=${cookie}` } });
  const appSignIn = (challenge: string) =>
    `/sign-in?${new URLSearchParams({ redirect_uri: APP_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 's' })}`;
  const refresh = (refreshToken: string) => h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken } });
  const sessionsOf = async (accessToken: string) =>
    (await h.app.inject({ method: 'GET', url: '/auth/sessions', headers: { authorization: `Bearer ${accessToken}` } })).json().data;

  it('refuses an API client’s refresh token as the cookie: no page opens, no app gets a code, the token stays the client’s', async () => {
    const user = await createUser(h);
    const api = await login(h, user.email, user.password);

    const forApp = await withCookie(appSignIn(pkcePair().challenge), api.refreshToken);
    expect([forApp.statusCode, forApp.headers.location]).toEqual([200, undefined]);
    expect(forApp.body).toContain('name="password"');
    const account = await withCookie('/account', api.refreshToken);
    expect([account.statusCode, account.headers.location]).toEqual([303, '/sign-in?return_to=%2Faccount']);

    // Nothing began a session beside the client's, whose token still refreshes (and, spent, is a reuse).
    expect(await sessionsOf(api.accessToken)).toHaveLength(1);
    const rotated = await refresh(api.refreshToken);
    expect(rotated.statusCode).toBe(200);
    expect(await sessionsOf(rotated.json().accessToken)).toHaveLength(1);
  });

  it('opens the pages with a cookie the pages set, which POST /auth/refresh-token refuses and leaves working', async () => {
    const cookie = await signInByForm(h, await createUser(h));
    expect((await withCookie('/account', cookie)).statusCode).toBe(200);

    const refused = await refresh(cookie);
    expect([refused.statusCode, refused.json().code]).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect((await withCookie('/account', cookie)).statusCode).toBe(200);

    // The app round trip from this browser: a code for the app, which begins the app's own session.
    const { verifier, challenge } = pkcePair();
    const back = await withCookie(appSignIn(challenge), cookie);
    expect(back.statusCode).toBe(303);
    const code = new URL(String(back.headers.location)).searchParams.get('code');
    const tokens = await redeem(h, code, verifier);
    expect(tokens.statusCode).toBe(200);
    const rotated = await refresh(tokens.json().refreshToken);
    expect(rotated.statusCode).toBe(200);
    expect((await withCookie('/account', rotated.json().refreshToken)).statusCode).toBe(303);
  });
});
