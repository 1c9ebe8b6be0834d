import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPage, type PagesRig, sessionCookie, startPages } from './helpers/pages.js';

// The signed-in person's own account in Debian's Chromium: profile, language, password and sessions.
describe.skipIf(!hasChromium)('hosted account page', () => {
  let rig: PagesRig;

  beforeAll(async () => {
    rig = await startPages();
  }, 120_000);
  afterAll(async () => rig?.close());

  const signIn = async (context: BrowserContext, email: string, password: string) => {
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in`);
    await page.getByLabel(/Email or username|E-Mail oder Benutzername/).fill(email);
    await page.getByLabel(/^(Password|Passwort)$/).fill(password);
    await page.getByRole('button', { name: /^(Sign in|Anmelden)$/ }).click();
    await page.getByRole('heading', { name: /Your account|Ihr Konto/ }).waitFor();
    return page;
  };
  const live = async (context: BrowserContext) =>
    rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${(await sessionCookie(context))?.value}` } });

  for (const javaScript of [true, false]) {
    it(`edits the profile and language, changes the password and ends another session (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const user = await createUser(rig.h, { password: 'an account passphrase' });
      const phone = await rig.context();
      await signIn(phone, user.email, 'an account passphrase');
      const laptop = await rig.context({ javaScript });
      const page = await signIn(laptop, user.email, 'an account passphrase');

      await page.getByLabel('First name').fill('Grace');
      await page.getByLabel('Last name').fill('Hopper');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Your changes are saved.').waitFor();
      expect(await page.getByLabel('First name').inputValue()).toBe('Grace');
      const me = await rig.h.app.modules.hosted.person(user.id);
      expect(me).toMatchObject({ firstName: 'Grace', lastName: 'Hopper' });

      // Two sessions listed; the other one ends from here.
      expect(await page.locator('tbody tr').count()).toBe(2);
      expect(await live(phone)).toBeDefined();
      await page.getByRole('button', { name: 'End session' }).click();
      await page.getByText('The session is ended.').waitFor();
      expect(await live(phone)).toBeUndefined();
      expect(await page.locator('tbody tr').count()).toBe(1);

      await page.getByLabel('Current password').fill('not the passphrase');
      await page.getByLabel('New password').fill('a changed passphrase');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('The current password is not right.').waitFor();
      await page.getByLabel('Current password').fill('an account passphrase');
      await page.getByLabel('New password').fill('a changed passphrase');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Your password is changed.').waitFor();
      expect(await live(laptop)).toBeDefined();

      // The person's language is the pages' language from now on.
      await page.getByRole('combobox', { name: 'Language' }).selectOption('de');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Ihre Änderungen sind gespeichert.').waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      await laptop.close();
      await phone.close();
      const again = await rig.context();
      await signIn(again, user.email, 'a changed passphrase');
      await again.close();
    }, 120_000);
  }

  it('refuses a cross-site profile change and changes nothing', async () => {
    const user = await createUser(rig.h, { password: 'a guarded passphrase', firstName: 'Kept' });
    const context = await rig.context();
    await signIn(context, user.email, 'a guarded passphrase');
    const cookie = await sessionCookie(context);
    const res = await rig.h.app.inject({
      method: 'POST',
      url: '/account/profile',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `tessera_session=${cookie?.value}`,
        origin: 'https://evil.example',
      },
      payload: 'firstName=Evil&lastName=Change&language=en&csrf=anonymous',
    });
    expect(res.statusCode).toBe(403);
    expect(await rig.h.app.modules.hosted.person(user.id)).toMatchObject({ firstName: 'Kept' });
    await context.close();
  }, 60_000);

  it('passes axe-core on the account page at both widths in both languages', async () => {
    const user = await createUser(rig.h, { password: 'an axe passphrase' });
    for (const width of [1280, 390]) {
      for (const language of ['en', 'de'] as const) {
        const context = await rig.context({ width, language, axe: true });
        const page = await signIn(context, user.email, 'an axe passphrase');
        await page.goto(`${rig.base}/account?lang=${language}`);
        expect(await page.getAttribute('html', 'lang')).toBe(language);
        await checkPage(page);
        await context.close();
      }
    }
  }, 180_000);
});
