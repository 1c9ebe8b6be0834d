import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaFactors } from '../src/db/schema/index.js';
import { hashPassword } from '../src/platform/passwords.js';
import { createUser, enrolAuthenticator } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, sessionCookie, startPages } from './helpers/pages.js';

// Sign-in and sign-out in Debian's Chromium against the real app: the browser session is a row of the
// sessions table, listed by the API and ended by sign-out.
describe.skipIf(!hasChromium)('hosted sign-in', () => {
  let rig: PagesRig;

  beforeAll(async () => {
    rig = await startPages();
  }, 120_000);
  afterAll(async () => rig?.close());

  const signIn = async (context: BrowserContext, identifier: string, password: string, path = '/sign-in') => {
    const page = await context.newPage();
    await page.goto(`${rig.base}${path}`);
    await page.getByLabel(/Email or username|E-Mail oder Benutzername/).fill(identifier);
    await page.getByLabel(/^(Password|Passwort)$/).fill(password);
    await page.getByRole('button', { name: /^(Sign in|Anmelden)$/ }).click();
    return page;
  };

  for (const javaScript of [true, false]) {
    it(`signs in and out ${javaScript ? 'with' : 'without'} JavaScript; the session is listed, then ended`, async () => {
      const user = await createUser(rig.h, { password: 'a browser passphrase' });
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a browser passphrase');
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await page.textContent('main')).toContain(user.email);
      const cookie = await sessionCookie(context);
      expect(cookie).toMatchObject({ name: 'tessera_session', httpOnly: true, sameSite: 'Lax', path: '/' });

      const session = await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } });
      expect(session).toMatchObject({ userId: user.id, amr: ['pwd'] });
      const api = await rig.h.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: user.email, password: 'a browser passphrase' },
      });
      const listed = await rig.h.app.inject({
        method: 'GET',
        url: '/auth/sessions',
        headers: { authorization: `Bearer ${api.json().accessToken}` },
      });
      expect(listed.json().data.map((entry: { id: string }) => entry.id)).toContain(session?.sessionId);

      await page.goto(`${rig.base}/sign-out`);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByText('You are signed out.').waitFor();
      expect(await sessionCookie(context)).toBeUndefined();
      // The row is over, not merely forgotten by the browser.
      expect(await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } })).toBeUndefined();
      await context.close();
    }, 60_000);
  }

  it('refuses a wrong password with the identifier kept and the password not, and shows how long throttling lasts', async () => {
    const user = await createUser(rig.h, { password: 'the right passphrase' });
    const context = await rig.context();
    const page = await signIn(context, user.email, 'the wrong passphrase');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('not right');
    expect(await page.getByLabel('Email or username').inputValue()).toBe(user.email);
    expect(await page.getByLabel(/^Password$/).inputValue()).toBe('');
    // The loop stops at the first 429, not at the first throttled text read: the text read just after a response
    // can still be the page before it, and a limiter's window may close between two attempts.
    let last: { status: number; retryAfter?: string } | undefined;
    for (let attempt = 0; attempt < 30 && last?.status !== 429; attempt++) {
      await page.getByLabel(/^Password$/).fill('still the wrong passphrase');
      const answered = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().includes('/sign-in'));
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      const response = await answered;
      last = { status: response.status(), retryAfter: response.headers()['retry-after'] };
      await page.getByRole('alert').waitFor();
    }
    expect(last?.status).toBe(429);
    // The page says how long, and so does the header, for what reads it.
    const throttled = page.getByRole('alert').filter({ hasText: /Too many attempts\. Try again in \d+ seconds?\./ });
    await throttled.waitFor();
    expect(await throttled.textContent()).toContain(`Try again in ${last?.retryAfter} second`);
    await context.close();
  }, 120_000);

  it('sends the person to a same-origin return_to after sign-in and ignores any other', async () => {
    const user = await createUser(rig.h, { password: 'a returning passphrase' });
    const context = await rig.context();
    const page = await signIn(context, user.email, 'a returning passphrase', '/sign-in?return_to=%2Fsign-out%3Fx%3D1');
    await page.waitForURL(`${rig.base}/sign-out?x=1`);
    await context.close();
    const other = await rig.context();
    const page2 = await signIn(other, user.email, 'a returning passphrase', '/sign-in?return_to=%2F%2Fevil.example%2Fphish');
    await page2.waitForURL(`${rig.base}/account`);
    await other.close();
  }, 60_000);

  for (const javaScript of [true, false]) {
    it(`replaces a temporary password on its own page, then goes where the person was headed (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const user = await createUser(rig.h);
      await rig.h.app.modules.users.setPasswordHash(
        rig.h.context.database.primary,
        user.id,
        await hashPassword('a temporary passphrase'),
        true,
      );
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a temporary passphrase', '/sign-in?return_to=%2Fsign-out');
      await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
      expect(await sessionCookie(context)).toBeUndefined();
      // The page's own links never carry the change token.
      const hrefs = await page.$$eval('a', (links) => links.map((link) => link.getAttribute('href') ?? ''));
      expect(hrefs.filter((href) => href.includes('token='))).toEqual([]);
      await page.getByLabel('New password').fill('a temporary passphrase');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('must differ').waitFor();
      // The policy's refusal in the page's own words, as on every other password form (it was the API's "must be at least …").
      await page.getByLabel('New password').fill('too short');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('Use at least 10 characters.').waitFor();
      await page.getByLabel('New password').fill('my very own passphrase');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.waitForURL(`${rig.base}/sign-out`);
      expect(await sessionCookie(context)).toBeDefined();
      await context.close();
      const again = await rig.context({ javaScript });
      await (await signIn(again, user.email, 'my very own passphrase')).getByRole('heading', { name: 'Your account' }).waitFor();
      await again.close();
    }, 60_000);
  }

  it('ends the browser session when the person signs out everywhere through the API', async () => {
    const user = await createUser(rig.h, { password: 'an everywhere passphrase' });
    const context = await rig.context();
    await (await signIn(context, user.email, 'an everywhere passphrase')).getByRole('heading', { name: 'Your account' }).waitFor();
    const cookie = await sessionCookie(context);
    const headers = { cookie: `tessera_session=${cookie?.value}` };
    expect(await rig.h.app.modules.hosted.browserSession({ headers })).toBeDefined();
    const api = await rig.h.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: user.email, password: 'an everywhere passphrase' },
    });
    const ended = await rig.h.app.inject({
      method: 'POST',
      url: '/auth/logout-all',
      headers: { authorization: `Bearer ${api.json().accessToken}` },
    });
    expect(ended.statusCode).toBeLessThan(300);
    expect(await rig.h.app.modules.hosted.browserSession({ headers })).toBeUndefined();
    const page = await context.newPage();
    await page.goto(`${rig.base}/account`);
    await page.waitForURL(/\/sign-in\?return_to=%2Faccount$/);
    await context.close();
  }, 60_000);

  it('answers a cross-site form post 403 and signs nobody in', async () => {
    const user = await createUser(rig.h, { password: 'a targeted passphrase' });
    const res = await rig.h.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      payload: new URLSearchParams({ identifier: user.email, password: 'a targeted passphrase', csrf: 'anonymous' }).toString(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('from another site');
  });

  it('refuses a signed-in form post without the session CSRF token', async () => {
    const user = await createUser(rig.h, { password: 'a forged passphrase' });
    const context = await rig.context();
    await (await signIn(context, user.email, 'a forged passphrase')).getByRole('heading', { name: 'Your account' }).waitFor();
    const cookie = await sessionCookie(context);
    const res = await rig.h.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tessera_session=${cookie?.value}` },
      payload: 'csrf=anonymous',
    });
    expect(res.statusCode).toBe(403);
    expect(await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${cookie?.value}` } })).toBeDefined();
    await context.close();
  }, 60_000);

  it('serves strict security headers and a cacheable stylesheet', async () => {
    const res = await rig.h.app.inject({ method: 'GET', url: '/sign-in' });
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const css = await rig.h.app.inject({ method: 'GET', url: '/hosted/style.css' });
    expect(css.headers['cache-control']).toBe('public, max-age=86400');
    expect(css.body).toContain('prefers-color-scheme: dark');
  });

  it("names its stylesheet and scripts by their content's version, kept a year; another version is asked for again", async () => {
    const signIn = (await rig.h.app.inject({ method: 'GET', url: '/sign-in' })).body;
    const named = [...signIn.matchAll(/(?:src|href)="(\/hosted\/[a-z]+\.(?:css|js)\?v=[0-9a-f]{12})"/g)].map(([, url]) => url as string);
    expect(named.map((url) => url.split('?')[0]).sort()).toEqual(['/hosted/passkeys.js', '/hosted/style.css', '/hosted/webauthn.js']);
    for (const url of named) {
      const file = await rig.h.app.inject({ method: 'GET', url });
      const [path] = url.split('?');
      expect([url, file.statusCode, file.headers['cache-control']]).toEqual([url, 200, 'public, max-age=31536000, immutable']);
      // The version is the content's: the same bytes as the bare path.
      expect(file.body).toBe((await rig.h.app.inject({ method: 'GET', url: path as string })).body);
      const other = await rig.h.app.inject({ method: 'GET', url: `${path}?v=000000000000` });
      expect([url, other.headers['cache-control']]).toEqual([url, 'no-cache']);
    }
  });

  it('keeps Deutsch, once picked in an English browser, across a form post and a plain link', async () => {
    const context = await rig.context({ language: 'en' });
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in`);
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Deutsch' }).click();
    await page.getByRole('button', { name: 'Anmelden', exact: true }).waitFor();
    await page.getByLabel('E-Mail oder Benutzername').fill('nobody@example.com');
    await page.getByLabel('Passwort', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.getByRole('alert').textContent()).toBe('E-Mail, Benutzername oder Passwort stimmen nicht.');

    await page.getByRole('link', { name: 'Passwort vergessen?' }).click();
    await page.waitForURL(/\/forgot-password$/);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    // Picking English again is kept the same way.
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: /password/ }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL(/\/sign-in$/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    // The choice is a cookie of the whole site for the visit and after.
    expect((await context.cookies()).find((cookie) => cookie.name === 'tessera_lang')).toMatchObject({
      value: 'en',
      sameSite: 'Lax',
      path: '/',
    });
    await context.close();
  }, 60_000);

  it('answers an over-long hidden field with a page in the browser’s language and a way back, not problem+json', async () => {
    const res = await rig.h.app.inject({
      method: 'POST',
      url: '/sign-in?return_to=%2Faccount',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        'accept-language': 'de-DE',
        'sec-fetch-site': 'same-origin',
      },
      payload: new URLSearchParams({ identifier: 'someone', password: 'whatever', csrf: 'c'.repeat(5000) }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/form-action 'self'/);
    expect(res.body).toContain('<html lang="de">');
    expect(res.body).toContain('<p role="alert">Etwas in diesem Formular ist nicht wie erwartet');
    expect(res.body).toContain('<a href="/sign-in?return_to=%2Faccount">Zurück</a>');
  });

  it('offers at the second step only what the person holds: the app and recovery codes, or a passkey alone', async () => {
    const secondStep = async (email: string, password: string, method?: string) => {
      // From an address of its own: the file's other sign-ins spend 127.0.0.1's per-minute credential budget.
      const signedIn = await rig.h.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email, password },
        remoteAddress: '192.0.2.61',
      });
      // Said here if the password step did not ask for a factor: the page would only say the sign-in expired.
      expect(signedIn.json(), `sign-in of ${email}: ${signedIn.statusCode}`).toMatchObject({
        mfaRequired: true,
        mfaToken: expect.any(String),
      });
      const token = encodeURIComponent(signedIn.json().mfaToken);
      const url = `/sign-in/second-factor?token=${token}${method ? `&method=${method}` : ''}`;
      return (await rig.h.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } })).body;
    };
    const codeForm = '<form method="post" action="/sign-in/second-factor"';

    const app = await enrolAuthenticator(rig.h, { password: 'an app passphrase' });
    const withApp = await secondStep(app.user.email, 'an app passphrase');
    expect(withApp).toContain('Enter the 6-digit code from your authenticator app.');
    expect(withApp).toContain(codeForm);
    expect(withApp).toContain('Use a recovery code');
    expect(withApp).not.toContain('data-passkey');

    // A passkey alone (stored as registering one stores it): no code to type, no recovery code to switch to.
    const passkeyOnly = await createUser(rig.h, { password: 'a passkey passphrase' });
    await rig.h.context.database.primary.insert(mfaFactors).values({
      userId: passkeyOnly.id,
      type: 'WEBAUTHN',
      name: 'Passkey',
      secret: 'cHVibGljIGtleQ',
      credentialId: `credential-${passkeyOnly.id}`,
      counter: 0,
      confirmedAt: new Date(),
    });
    for (const method of [undefined, 'recovery_code']) {
      const withPasskey = await secondStep(passkeyOnly.email, 'a passkey passphrase', method);
      expect(withPasskey).toContain('Use your passkey to confirm it is you.');
      expect(withPasskey).toContain('data-passkey="authenticate"');
      expect(withPasskey).not.toContain(codeForm);
      expect(withPasskey).not.toMatch(/authenticator app|recovery code/i);
    }
  });

  for (const language of ['en', 'de'] as const) {
    it(`passes axe-core at both widths in ${language}`, async () => {
      const context = await rig.context({ language, axe: true });
      const page = await context.newPage();
      await page.goto(`${rig.base}/sign-in`);
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      await page.getByRole('button', { name: language === 'de' ? 'Anmelden' : 'Sign in', exact: true }).waitFor();
      await checkPageAtEachWidth(page);
      await context.close();
    }, 60_000);
  }
});
