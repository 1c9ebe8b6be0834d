import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, startPages } from './helpers/pages.js';

const LIMIT = 5;

// A credential form past the per-IP budget answers "Please wait" (429); in Debian's Chromium, that page leads back to
// the form the person was on, as it was opened: a mailed link's token comes along, what was typed does not.
describe.skipIf(!hasChromium)('hosted pages past the credential budget', () => {
  let rig: PagesRig;

  beforeAll(async () => {
    rig = await startPages({ AUTH_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  }, 120_000);
  afterAll(async () => rig?.close());

  /** The budget of the browser's address spent, as by others' guesses from it. */
  const spendBudget = () => rig.h.context.state.set('auth-ip:127.0.0.1', String(LIMIT), 60_000);

  for (const language of ['en', 'de'] as const) {
    it(`leads from the wait back to a reset form with its link's token (${language}), and passes axe-core`, async () => {
      await rig.h.context.state.del('auth-ip:127.0.0.1');
      const context = await rig.context({ language, axe: true });
      const page = await context.newPage();
      await page.goto(`${rig.base}/reset-password?token=a-mailed-token`);
      await page.getByLabel(language === 'de' ? 'Neues Passwort' : 'New password').fill('a typed passphrase');
      await spendBudget();
      await page.getByRole('button', { name: language === 'de' ? 'Passwort festlegen' : 'Set password' }).click();
      await page.getByRole('heading', { name: language === 'de' ? 'Bitte warten' : 'Please wait' }).waitFor();
      await checkPageAtEachWidth(page);
      await rig.h.context.state.del('auth-ip:127.0.0.1');

      await page.getByRole('button', { name: language === 'de' ? 'Zurück zum Formular' : 'Back to the form' }).click();
      await page.getByLabel(language === 'de' ? 'Neues Passwort' : 'New password').waitFor();
      const url = new URL(page.url());
      expect([url.pathname, url.searchParams.get('token'), url.searchParams.has('password')]).toEqual([
        '/reset-password',
        'a-mailed-token',
        false,
      ]);
      expect(await page.locator('main input[name="token"]').inputValue()).toBe('a-mailed-token');
      await context.close();
    }, 60_000);
  }

  it('leads from the wait back to the sign-in form, keeping where the sign-in was going', async () => {
    await rig.h.context.state.del('auth-ip:127.0.0.1');
    const user = await createUser(rig.h, { password: 'a waiting passphrase' });
    const context = await rig.context();
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in?return_to=${encodeURIComponent('/account/authenticator')}`);
    await page.getByLabel('Email or username').fill(user.email);
    await page.getByLabel(/^Password$/).fill('a waiting passphrase');
    await spendBudget();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Please wait' }).waitFor();
    await rig.h.context.state.del('auth-ip:127.0.0.1');

    await page.getByRole('button', { name: 'Back to the form' }).click();
    await page.getByLabel('Email or username').waitFor();
    const url = new URL(page.url());
    expect([url.pathname, url.searchParams.get('return_to')]).toEqual(['/sign-in', '/account/authenticator']);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('identifier');
    await context.close();
  }, 60_000);
});
