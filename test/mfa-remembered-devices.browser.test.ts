import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, signInOnPage, startPages } from './helpers/pages.js';
import { stepAt, totpCode } from './helpers/totp.js';

// "Remember this device" in Debian's Chromium on the hosted pages: the box on the second step, a sign-in that
// skips it, the device on /account and its Forget button.
describe.skipIf(!hasChromium)('remember this device on the hosted pages', () => {
  let rig: PagesRig;

  beforeAll(async () => {
    rig = await startPages({ AUTH_RATE_LIMIT_PER_MINUTE: '100000', MFA_REMEMBER_DEVICE_DAYS: '14', SIGNING_KEY_SECRET: 'cd'.repeat(32) });
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
  });

  async function passwordSignIn(page: Page, email: string, password: string) {
    await page.goto(`${rig.base}/sign-in`);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel(/^Password$/).fill(password);
    await page.getByRole('button', { name: /^Sign in$/ }).click();
  }

  async function signOut(page: Page) {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You are signed out.').waitFor();
  }

  /** A new person signed in with `password`, on the authenticator set-up page: its key and its code field. */
  async function onAuthenticatorSetUp(password: string, options: { axe?: boolean } = {}) {
    const user = await createUser(rig.h, { password });
    const context = await rig.context(options);
    const page = await context.newPage();
    await passwordSignIn(page, user.email, password);
    await page.goto(`${rig.base}/account/authenticator`);
    const secret = (await page.locator('code').first().textContent()) as string;
    return { user, context, page, secret, code: page.getByLabel('Code') };
  }

  it('skips the second step in the browser that ticked the box, lists it on /account, and Forget brings the step back', async () => {
    const password = 'a remembered browser passphrase';
    const { user, context, page, secret } = await onAuthenticatorSetUp(password, { axe: true });
    const step = stepAt();
    await page.getByLabel('Code').fill(totpCode(secret, step));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await page.getByText('No remembered device.').count()).toBe(1);
    await signOut(page);

    await passwordSignIn(page, user.email, password);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await checkPageAtEachWidth(page);
    await page.getByLabel('Remember this device for 14 days').check();
    await page.getByLabel('Code').fill(totpCode(secret, step + 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const device = (await context.cookies()).find((cookie) => cookie.name === 'tessera_device');
    expect(device).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect((device?.expires ?? 0) - Date.now() / 1000).toBeGreaterThan(13.9 * 86_400);
    await signOut(page);

    // The password alone now: no second step.
    await passwordSignIn(page, user.email, password);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const remembered = page.getByRole('region', { name: 'Remembered devices' });
    expect(await remembered.getByRole('row').count()).toBe(2);
    // The browser by name, and under it the days it is remembered (fourteen, from today).
    // biome-ignore lint/performance/useDomNodeTextContent: the line break under the name is part of what is checked
    expect(await remembered.getByRole('cell').first().innerText()).toMatch(/^Chrome \d+ on Linux\nremembered on .+ \d{4}, until .+ \d{4}$/);
    await checkPageAtEachWidth(page);

    const forget = remembered.getByRole('button', { name: 'Forget', exact: true });
    expect(await page.locator(`[id="${await forget.getAttribute('aria-describedby')}"]`).textContent()).toMatch(/^Chrome \d+ on Linux/);
    await forget.click();
    await page.getByText('No remembered device.').waitFor();
    await signOut(page);
    await passwordSignIn(page, user.email, password);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await context.close();
  }, 180_000);

  it('takes a pasted code with spaces or padding, whole, on the set-up page and at the second step', async () => {
    const password = 'a pasted code passphrase';
    const { user, context, page, secret, code } = await onAuthenticatorSetUp(password);
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    // A paste as an app shows it: nothing cut, the field's pattern satisfied (and a letter not), and taken.
    const step = stepAt();
    const spaced = totpCode(secret, step).replace(/^(\d{3})/, '$1 ');
    await code.focus();
    await page.keyboard.insertText(spaced);
    expect(await code.inputValue()).toBe(spaced);
    expect(await code.evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(true);
    await page.keyboard.insertText('x');
    expect(await code.evaluate((input: HTMLInputElement) => input.validity.patternMismatch)).toBe(true);
    await page.keyboard.press('Backspace');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await page.getByRole('link', { name: 'Continue' }).click();
    await signOut(page);

    await passwordSignIn(page, user.email, password);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    const padded = ` ${totpCode(secret, step + 1)} `;
    await code.focus();
    await page.keyboard.insertText(padded);
    expect(await code.inputValue()).toBe(padded);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await context.close();
  }, 120_000);

  it('answers a wrong set-up code with the same key and the error on the field; its right code then sets it up', async () => {
    const { context, page, secret, code } = await onAuthenticatorSetUp('a mistyped code passphrase', { axe: true });
    await code.fill('000000');
    const refused = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.getByRole('button', { name: 'Continue' }).click();
    expect((await refused).status()).toBe(400);
    // The key the app already holds, the error on the field, which has the focus.
    expect(await page.locator('code').first().textContent()).toBe(secret);
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toBe('That code does not match this key. Enter the code your app shows for it now.');
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    expect(await code.getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'));
    // The browser runs autofocus at its next rendering step, not as it parses: wait for it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
    await checkPageAtEachWidth(page);

    await code.fill(totpCode(secret, stepAt()));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await context.close();
  }, 120_000);

  it('names a wrong set-up code in German', async () => {
    const password = 'ein falscher code passwort';
    const user = await createUser(rig.h, { password });
    const page = await signInOnPage(rig, await rig.context({ language: 'de' }), user.email, password);
    await page.goto(`${rig.base}/account/authenticator`);
    await page.getByLabel('Code').fill('000000');
    await page.locator('form[action="/account/authenticator"] button[type="submit"]').click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe(
      'Dieser Code passt nicht zu diesem Schlüssel. Geben Sie den Code ein, den Ihre App jetzt dafür anzeigt.',
    );
    await page.context().close();
  }, 120_000);

  it('shows the box in German', async () => {
    const password = 'ein gemerkter browser passwort';
    const user = await createUser(rig.h, { password });
    const context = await rig.context({ language: 'de' });
    const page = await context.newPage();
    const session = await rig.h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password } });
    const headers = { authorization: `Bearer ${session.json().accessToken}` };
    const { factorId, secret } = (await rig.h.app.inject({ method: 'POST', url: '/auth/mfa/totp', payload: {}, headers })).json();
    const code = totpCode(secret, stepAt());
    await rig.h.app.inject({ method: 'POST', url: `/auth/mfa/totp/${factorId}/confirm`, payload: { code }, headers });
    await page.goto(`${rig.base}/sign-in`);
    await page.locator('input[name="identifier"]').fill(user.email);
    await page.locator('input[name="password"]').fill(password);
    await page.locator('form[action="/sign-in"] button[type="submit"]').click();
    await page.getByLabel('Dieses Gerät 14 Tage lang merken').waitFor();
    await context.close();
  }, 120_000);
});
