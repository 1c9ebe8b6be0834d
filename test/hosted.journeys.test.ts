import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema/index.js';
import { createUser } from './helpers/auth.js';
import { overflowPx } from './helpers/axe.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, sessionCookie, startPages } from './helpers/pages.js';
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp.js';

// The signed-out journeys a person makes from their inbox, in Debian's Chromium, with a real SMTP sink:
// sign-up → confirmation mail → confirm → sign in; forgot → mail → reset → sign in. Each with and without JavaScript.
describe.skipIf(!hasChromium)('hosted password journeys', () => {
  let rig: PagesRig;
  let smtp: SmtpReceiver;
  let counter = 0;
  const address = (name: string) => `${name}-${++counter}-${Date.now()}@example.com`;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    rig = await startPages({ SMTP_URL: smtp.url, REQUIRE_EMAIL_VERIFICATION: 'true' });
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await smtp?.close();
  });

  const signIn = async (context: BrowserContext, identifier: string, password: string) => {
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in`);
    await page.getByLabel('Email or username').fill(identifier);
    await page.getByLabel(/^Password$/).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    return page;
  };
  const emailVerified = async (email: string) => {
    const [row] = await rig.h.context.database.primary.select().from(users).where(eq(users.email, email));
    return row?.emailVerifiedAt !== null && row?.emailVerifiedAt !== undefined;
  };
  /** The mail's link to this page (a sign-up's confirmation carries two). */
  const linkTo = (mail: { raw: string }, path: string) => {
    const found = mail.raw.match(new RegExp(`https?://[^\\s"<>]*${path}\\?token=[^\\s"<>]*`))?.[0];
    if (!found) throw new Error(`no ${path} link in the mail`);
    return found;
  };
  const fillSignUp = async (page: Page, email: string, password: string) => {
    await page.goto(`${rig.base}/sign-up`);
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password$/).fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
  };

  for (const javaScript of [true, false]) {
    const mode = javaScript ? 'with JavaScript' : 'without JavaScript';

    it(`signs up, confirms from the mail (a GET changes nothing) and signs in, ${mode}`, async () => {
      const email = address('ada');
      const context = await rig.context({ javaScript });
      const page = await context.newPage();
      // A refused password keeps the other values (never the password) and says why next to the field.
      await fillSignUp(page, email, 'short');
      await page.getByText('Use at least 10 characters.').waitFor();
      expect(await page.getByLabel('Email').inputValue()).toBe(email);
      expect(await page.getByLabel(/^Password$/).inputValue()).toBe('');
      expect(await page.getByLabel(/^Password$/).getAttribute('aria-invalid')).toBe('true');
      await page.getByLabel(/^Password$/).fill('analytical engine notes');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

      const mail = await smtp.waitFor(email, /Confirm your email/);
      expect(mail.link?.startsWith(`${rig.base}/verify-email?token=`)).toBe(true);
      // Unconfirmed, the account may not sign in yet (this deployment requires a verified address).
      const early = await signIn(context, email, 'analytical engine notes');
      await early.getByRole('alert').waitFor();

      // A mail scanner's GET: the page answers, nothing is confirmed.
      const scanned = await rig.h.app.inject({
        method: 'GET',
        url: new URL(mail.link as string).pathname + new URL(mail.link as string).search,
      });
      expect(scanned.statusCode).toBe(200);
      expect(scanned.headers['referrer-policy']).toBe('no-referrer');
      expect(await emailVerified(email)).toBe(false);
      await page.goto(mail.link as string);
      expect(await emailVerified(email)).toBe(false);
      await page.getByRole('button', { name: 'Confirm email' }).click();
      await page.getByText('Your email address is confirmed.').waitFor();
      expect(await emailVerified(email)).toBe(true);
      // Back to the link's page: it says the link is used, instead of offering a button that would be refused.
      await page.goBack();
      await page.getByText('This link is invalid, already used or expired. Ask for a new one.').waitFor();
      expect(await page.getByRole('button', { name: 'Confirm email' }).count()).toBe(0);

      const signedIn = await signIn(context, email, 'analytical engine notes');
      await signedIn.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await sessionCookie(context)).toBeDefined();
      await context.close();
    }, 90_000);

    it(`answers "check your inbox" for a taken address and mails its owner instead, ${mode}`, async () => {
      const owner = await createUser(rig.h, { email: address('owner') });
      const context = await rig.context({ javaScript });
      const page = await context.newPage();
      await fillSignUp(page, owner.email, 'someone else entirely');
      await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
      const mail = await smtp.waitFor(owner.email, /tried to sign up/);
      expect(mail.link).toBe(`${rig.base}/forgot-password`);
      await context.close();
    }, 60_000);

    it(`resets a forgotten password from the mail, ends the other sessions and signs in, ${mode}`, async () => {
      const user = await createUser(rig.h, { email: address('grace'), password: 'the forgotten passphrase' });
      const elsewhere = await rig.context();
      await (await signIn(elsewhere, user.email, 'the forgotten passphrase')).getByRole('heading', { name: 'Your account' }).waitFor();
      const otherCookie = await sessionCookie(elsewhere);

      const context = await rig.context({ javaScript });
      const page = await context.newPage();
      await page.goto(`${rig.base}/sign-in`);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email').fill(user.email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
      const mail = await smtp.waitFor(user.email, /Reset your password/);
      await page.goto(mail.link as string);
      const hrefs = await page.$$eval('a', (links) => links.map((link) => link.getAttribute('href') ?? ''));
      expect(hrefs.filter((href) => href.includes('token='))).toEqual([]);
      // Another language keeps the link working: the page's own query goes again, never in a link.
      await page.getByRole('navigation', { name: 'Language' }).getByRole('button', { name: 'Deutsch' }).click();
      await page.getByRole('heading', { name: 'Neues Passwort festlegen' }).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      await page.getByLabel('Neues Passwort').fill('a remembered passphrase');
      await page.getByRole('button', { name: 'Passwort festlegen' }).click();
      await page.getByText('Ihr neues Passwort ist festgelegt.').waitFor();
      await page.goto(`${rig.base}/sign-in?lang=en`);
      // The link is spent.
      await page.goto(mail.link as string);
      await page.getByLabel('New password').fill('yet another passphrase');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('This link is invalid, already used or expired.').waitFor();

      expect(
        await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${otherCookie?.value}` } }),
      ).toBeUndefined();
      await (await signIn(context, user.email, 'a remembered passphrase')).getByRole('heading', { name: 'Your account' }).waitFor();
      await context.close();
      await elsewhere.close();
    }, 90_000);
  }

  it('takes an account someone made with one’s address back from the mail’s “I did not sign up”, without JavaScript', async () => {
    const email = address('disputed');
    const context = await rig.context({ javaScript: false });
    const taker = await context.newPage();
    await fillSignUp(taker, email, 'a taker’s passphrase');
    await taker.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    const owner = await context.newPage();
    await owner.goto(linkTo(await smtp.waitFor(email, /Confirm your email/), '/dispute-registration'));
    await owner.getByRole('button', { name: 'Take back the account' }).click();
    await owner.getByText('The account is yours alone now.').waitFor();
    expect(await emailVerified(email)).toBe(true);
    const refused = await signIn(context, email, 'a taker’s passphrase');
    await refused.getByRole('alert').waitFor();
    await smtp.waitFor(email, /The account made with your address is yours/);
    await context.close();
  }, 60_000);

  it('answers every address alike on forgot-password, a long one within a phone’s width', async () => {
    const context = await rig.context({ width: 390 });
    const page = await context.newPage();
    // As long as an address may be in its parts (64 before the @, labels of 63): the page repeats it in a sentence.
    const long = `${'n'.repeat(64)}@${'a'.repeat(63)}.example.com`;
    await page.goto(`${rig.base}/forgot-password`);
    await page.getByLabel('Email').fill(long);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    expect(await page.textContent('main')).toContain(long);
    expect(await overflowPx(page)).toBeLessThanOrEqual(0);
    await context.close();
  }, 60_000);

  for (const language of ['en', 'de'] as const) {
    it(`passes axe-core on the signed-out pages at both widths in ${language}`, async () => {
      const context = await rig.context({ language, axe: true });
      const page = await context.newPage();
      // A confirmation link still to be used: its page has the button (a spent one says so).
      const unconfirmed = address(`axe-${language}`);
      const registered = await rig.h.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email: unconfirmed, password: 'an axe sign-up passphrase' },
      });
      expect(registered.statusCode).toBeLessThan(300);
      const mail = await smtp.waitFor(unconfirmed, /Confirm your email/);
      const link = new URL(mail.link as string);
      const confirmPage = `${link.pathname}${link.search}`;
      const disputePage = new URL(linkTo(mail, '/dispute-registration')).search;
      for (const path of [
        '/sign-up',
        '/forgot-password',
        '/reset-password?token=x',
        '/verify-email?token=x',
        confirmPage,
        `/dispute-registration${disputePage}`,
      ]) {
        await page.goto(`${rig.base}${path}`);
        expect(await page.getAttribute('html', 'lang')).toBe(language);
        await checkPageAtEachWidth(page);
      }
      await context.close();
    }, 120_000);
  }
});
