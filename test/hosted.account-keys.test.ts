import { sql } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, login } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, signInOnPage, startPages } from './helpers/pages.js';
import { stepAt, totpCode } from './helpers/totp.js';

// The person's own API keys on /account/api-keys in Debian's Chromium: made with permissions they hold,
// the secret shown once, usable on the API, then revoked.
describe.skipIf(!hasChromium)('hosted API keys page', () => {
  let rig: PagesRig;

  beforeAll(async () => {
    rig = await startPages({ AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  }, 120_000);
  afterAll(async () => rig?.close());

  const signIn = (context: BrowserContext, email: string, password: string) => signInOnPage(rig, context, email, password);
  const callApi = (key: string) => rig.h.app.inject({ url: '/users?limit=1', headers: { authorization: `Bearer ${key}` } });

  it('asks a person whose address is unproven to confirm it before a key or an authenticator app is added', async () => {
    const user = await createUser(rig.h, { password: 'an unproven passphrase', permissions: ['users:read'] });
    await queryRows(rig.h.context.database.primary, sql`UPDATE users SET email_verified_at = NULL WHERE id = ${user.id}`);
    const context = await rig.context({ axe: true });
    const page = await signIn(context, user.email, 'an unproven passphrase');
    await page.goto(`${rig.base}/account/api-keys`);
    await page.getByLabel('Name').fill('nightly export');
    await page.getByRole('checkbox', { name: 'users:read' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Confirm your email address first').waitFor();
    expect(await page.locator('code.secret').count()).toBe(0);
    const enrol = await page.goto(`${rig.base}/account/authenticator`);
    expect(enrol?.status()).toBe(403);
    await page.getByText('Confirm your email address first').waitFor();
    // The account page says so where it would offer an authenticator app or a passkey, and offers neither.
    await page.goto(`${rig.base}/account`);
    const factors = page.getByRole('region', { name: 'Sign-in methods' });
    await factors.getByText('Confirm your email address first').waitFor();
    expect(await factors.getByRole('link').count()).toBe(0);
    expect(await factors.getByRole('button').count()).toBe(0);
    await checkPageAtEachWidth(page);
    await context.close();
  });

  for (const javaScript of [true, false]) {
    it(`creates a key with a held permission, shows it once, and revokes it (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const user = await createUser(rig.h, { password: 'a key passphrase', permissions: ['users:read', 'audit:read'] });
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a key passphrase');
      await page.getByRole('link', { name: 'Manage API keys…' }).click();
      await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
      expect(await page.getByText('You have no API keys.').count()).toBe(1);

      // Errors next to their fields, the name kept.
      await page.getByLabel('Name').fill('nightly export');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByText('Choose at least one permission.').waitFor();
      expect(await page.getByLabel('Name').inputValue()).toBe('nightly export');
      // The focus is on the permissions, which the error describes: a keyboard or screen reader user is told and taken there.
      const focused = await page.evaluate(() => [
        document.activeElement?.getAttribute('name'),
        document.activeElement?.getAttribute('aria-describedby'),
      ]);
      expect(focused).toEqual(['scopes', 'scopes-error']);

      expect(await page.getByRole('checkbox').count()).toBe(2);
      await page.getByRole('checkbox', { name: 'users:read' }).check();
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('heading', { name: 'Your new key "nightly export"' }).waitFor();
      const key = (await page.locator('code.secret').textContent()) as string;
      expect(key).toMatch(/^tsk_/);
      expect((await callApi(key)).statusCode).toBe(200);

      // Shown once: the next visit lists the key by its prefix only.
      await page.goto(`${rig.base}/account/api-keys`);
      expect(await page.content()).not.toContain(key);
      await page.getByRole('rowheader', { name: /nightly export/ }).waitFor();
      await page.getByRole('button', { name: 'Revoke nightly export' }).click();
      await page.getByText('The key is revoked.').waitFor();
      expect((await callApi(key)).statusCode).toBe(401);
      await context.close();
    }, 90_000);
  }

  it('creates one key from one form, however often it is sent: a reload of the page with the secret, the same form again', async () => {
    const user = await createUser(rig.h, { password: 'a once passphrase', permissions: ['users:read'] });
    const context = await rig.context();
    const page = await signIn(context, user.email, 'a once passphrase');
    await page.goto(`${rig.base}/account/api-keys`);
    await page.getByLabel('Name').fill('once');
    // Refused first: the form shown again with its error is the same form, and creates its key once corrected.
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Choose at least one permission.').waitFor();
    await page.getByRole('checkbox', { name: 'users:read' }).check();
    const sent = await page.evaluate(() =>
      Object.fromEntries(
        new FormData(document.querySelector('form[action="/account/api-keys"]') as HTMLFormElement) as unknown as [string, string][],
      ),
    );
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Your new key "once"' }).waitFor();
    const key = (await page.locator('code.secret').textContent()) as string;
    const names = async () =>
      (await rig.h.app.inject({ url: '/auth/api-keys', headers: (await login(rig.h, user.email, 'a once passphrase')).headers }))
        .json()
        .data.map((row: { name: string }) => row.name);

    // The browser sends the form again on a reload of the page that answered it.
    await page.reload();
    await page.getByText('This form was sent before, and its key is in the list: a key is created once.', { exact: false }).waitFor();
    expect(await page.content()).not.toContain(key);
    const again = await context.request.post(`${rig.base}/account/api-keys`, { form: sent, headers: { origin: rig.base } });
    expect(again.status()).toBe(200);
    expect(await again.text()).toContain('This form was sent before');
    expect(await names()).toEqual(['once']);

    // A form without its id (shown before forms carried one) is shown again to be checked, and creates nothing.
    const { formId: _, ...withoutId } = sent;
    const outdated = await context.request.post(`${rig.base}/account/api-keys`, { form: withoutId, headers: { origin: rig.base } });
    expect(outdated.status()).toBe(400);
    expect(await outdated.text()).toContain('This form is from before an update of this page');
    expect(await names()).toEqual(['once']);
    await context.close();
  }, 90_000);

  it('refuses a permission the person does not hold, whatever the form says', async () => {
    const user = await createUser(rig.h, { password: 'a narrow passphrase', permissions: ['users:read'] });
    const context = await rig.context();
    const page = await signIn(context, user.email, 'a narrow passphrase');
    await page.goto(`${rig.base}/account/api-keys`);
    await page.getByLabel('Name').fill('wider');
    // A forged box: the page offers only what the person holds, the service decides.
    await page.evaluate(() => {
      const box = document.querySelector('input[name="scopes"]') as HTMLInputElement;
      box.value = 'roles:manage';
      box.checked = true;
    });
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('You do not hold one of these permissions.').waitFor();
    await context.close();
  }, 60_000);

  it('asks for the second factor before a key when the sign-in had none, and to sign in again when it is old', async () => {
    const user = await createUser(rig.h, { password: 'a stepped passphrase', permissions: ['users:read'] });
    const context = await rig.context();
    const page = await signIn(context, user.email, 'a stepped passphrase');
    // The person adds an authenticator app elsewhere: this browser's sign-in proved a password only.
    const api = await login(rig.h, user.email, 'a stepped passphrase');
    const started = (await rig.h.app.inject({ method: 'POST', url: '/auth/mfa/totp', payload: {}, headers: api.headers })).json();
    const step = stepAt();
    const confirm = { code: totpCode(started.secret, step) };
    const confirmed = await rig.h.app.inject({
      method: 'POST',
      url: `/auth/mfa/totp/${started.factorId}/confirm`,
      payload: confirm,
      headers: api.headers,
    });
    expect(confirmed.statusCode).toBe(200);

    await page.goto(`${rig.base}/account/api-keys`);
    await page.getByLabel('Name').fill('stepped');
    await page.getByRole('checkbox', { name: 'users:read' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByLabel('Code').fill(totpCode(started.secret, step + 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${rig.base}/account/api-keys`);
    await page.getByLabel('Name').fill('stepped');
    await page.getByRole('checkbox', { name: 'users:read' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('heading', { name: 'Your new key "stepped"' }).waitFor();

    // An hour on, even the two-factor sign-in is too old to make a key with.
    await queryRows(
      rig.h.context.database.primary,
      sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = ${user.id}`,
    );
    await page.goto(`${rig.base}/account/api-keys`);
    await page.getByLabel('Name').fill('late');
    await page.getByRole('checkbox', { name: 'users:read' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    // Its second factor is proven already: nothing but a new sign-in makes it recent.
    await page.getByText('For your safety, sign out and sign in again before you create a key.').waitFor();
    const keys = (await rig.h.app.inject({ url: '/auth/api-keys', headers: api.headers })).json();
    expect(keys.data.map((key: { name: string }) => key.name)).toEqual(['stepped']);
    await context.close();
  }, 90_000);

  for (const language of ['en', 'de'] as const) {
    it(`passes axe-core at both widths in ${language}, a new key shown`, async () => {
      const user = await createUser(rig.h, { password: 'an axe key passphrase', permissions: ['users:read'] });
      const context = await rig.context({ language, axe: true });
      const page = await signIn(context, user.email, 'an axe key passphrase');
      await page.goto(`${rig.base}/account/api-keys?lang=${language}`);
      await page.getByLabel('Name').fill('axe');
      await page.getByRole('checkbox').first().check();
      await page.getByRole('button', { name: language === 'de' ? 'Schlüssel erstellen' : 'Create key' }).click();
      await page.locator('code.secret').waitFor();
      await checkPageAtEachWidth(page);
      await context.close();
    }, 60_000);
  }
});

// A browser's cookie, stolen however old, must not buy a fresh strong sign-in: a person without a second factor is
// sent to the sign-in form to prove their password again before any factor may be added to that session.
describe('hosted API keys page: an old sign-in without a factor', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  }, 120_000);
  afterAll(async () => h?.close());

  const form = (cookie: string | undefined, fields: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url: fields.identifier ? '/sign-in' : '/account/api-keys',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        ...(cookie ? { cookie } : {}),
      },
      payload: new URLSearchParams(fields).toString(),
    });
  const signIn = async (email: string, password: string, extra: Record<string, string> = {}) => {
    const answer = await form(undefined, { csrf: 'anonymous', identifier: email, password, ...extra });
    expect(answer.statusCode).toBe(303);
    return { cookie: String(answer.headers['set-cookie']).split(';')[0] as string, location: answer.headers.location };
  };
  /** The key form as the page shows it to this browser: its CSRF token and the form's id. */
  const keyForm = async (cookie: string) => {
    const shown = await h.app.inject({ url: '/account/api-keys', headers: { cookie } });
    expect(shown.statusCode).toBe(200);
    const field = (name: string) => shown.body.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? '';
    return { csrf: field('csrf'), formId: field('formId'), name: 'stolen', scopes: 'users:read' };
  };

  it('sends it to sign in again (prompt=login, back to the page), never to the enrolment of a factor', async () => {
    const user = await createUser(h, { password: 'an old cookie passphrase', permissions: ['users:read'] });
    const { cookie } = await signIn(user.email, 'an old cookie passphrase');
    await queryRows(h.context.database.primary, sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = ${user.id}`);

    const answer = await form(cookie, await keyForm(cookie));
    expect(answer.statusCode).toBe(303);
    const location = new URL(String(answer.headers.location), 'https://tessera.test');
    expect([location.pathname, location.searchParams.get('prompt'), location.searchParams.get('return_to')]).toEqual([
      '/sign-in',
      'login',
      '/account/api-keys',
    ]);
    // Nothing a cookie alone could finish: no sign-in waiting to enrol, no key.
    const waiting = await queryRows<{ count: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS count FROM mfa_challenges WHERE user_id = ${user.id} AND purpose = 'ENROLLMENT'`,
    );
    expect(waiting[0]?.count).toBe(0);
    const api = await login(h, user.email, 'an old cookie passphrase');
    expect((await h.app.inject({ url: '/auth/api-keys', headers: api.headers })).json().data).toEqual([]);

    // The password proven again, the person is back on the page, and the key is made.
    const again = await signIn(user.email, 'an old cookie passphrase', { return_to: '/account/api-keys' });
    expect(again.location).toBe('/account/api-keys');
    const made = await form(again.cookie, await keyForm(again.cookie));
    expect(made.statusCode).toBe(201);
    expect(made.body).toContain('Your new key');
  });
});
