import { readFile } from 'node:fs/promises';
import { and, desc, eq } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLogs, learningPreferences, profiles, userIdentities, users } from '../src/db/schema/index.js';
import { isIanaTimezone } from '../src/http/formats.js';
import { createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, startPages } from './helpers/pages.js';
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp.js';

// The rest of a person's own account in Debian's Chromium: profile details, email change through its mailed
// link, linked providers and the data export, each a form post that works without JavaScript.
describe.skipIf(!hasChromium)('hosted account: details, email, providers and data', () => {
  let rig: PagesRig;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    rig = await startPages({ SMTP_URL: smtp.url });
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await smtp?.close();
  });

  const signIn = async (context: BrowserContext, email: string, password: string) => {
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in?lang=en`);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel(/^Password$/).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    return page;
  };
  const userRow = async (id: string) => (await rig.h.context.database.primary.select().from(users).where(eq(users.id, id)))[0];
  const lastAudit = async (actorId: string, action: string) =>
    (
      await rig.h.context.database.primary
        .select()
        .from(auditLogs)
        .where(and(eq(auditLogs.actorId, actorId), eq(auditLogs.action, action)))
        .orderBy(desc(auditLogs.id))
        .limit(1)
    )[0];

  for (const javaScript of [true, false]) {
    const mode = javaScript ? 'with JavaScript' : 'without JavaScript';

    it(`sets username, phone, bio and time zone, refusing what the API refuses (${mode})`, async () => {
      const user = await createUser(rig.h, { password: 'a details passphrase' });
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a details passphrase');
      const username = `grace${Date.now().toString(36)}${javaScript ? 'j' : 'n'}`;

      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Phone').fill('12345');
      await page.getByLabel('Time zone').fill('Mars/Olympus');
      await page.getByLabel('About you').fill('Compilers.');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Enter the number with its country code').waitFor();
      await page.getByText('Enter a time zone like Europe/Berlin.').waitFor();
      // The values are kept for correction, and nothing was saved.
      expect(await page.getByLabel('Username').inputValue()).toBe(username);
      expect((await userRow(user.id))?.username).toBeNull();

      const phone = javaScript ? '+14155552671' : '+14155552672';
      await page.getByLabel('Phone').fill(phone);
      // The field suggests the zones this runtime knows, and each is one the profile accepts.
      const suggested = await page
        .locator(`datalist#${await page.getByLabel('Time zone').getAttribute('list')} option`)
        .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
      expect(suggested).toEqual(expect.arrayContaining(['UTC', 'Europe/Berlin', 'Asia/Tokyo']));
      expect(suggested.every(isIanaTimezone)).toBe(true);
      await page.getByLabel('Time zone').fill('Europe/Berlin');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Your changes are saved.').waitFor();
      expect(await userRow(user.id)).toMatchObject({ username, phone });
      const [profile] = await rig.h.context.database.primary.select().from(profiles).where(eq(profiles.userId, user.id));
      expect(profile).toMatchObject({ bio: 'Compilers.', timezone: 'Europe/Berlin' });
      expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
      // Done through the pages, and the audit trail says so.
      expect((await lastAudit(user.id, 'user.self_updated'))?.payload).toMatchObject({ via: 'hosted' });

      // A username another account holds is refused next to the field.
      const other = await createUser(rig.h, { password: 'another passphrase' });
      const taken = await rig.context({ javaScript });
      const second = await signIn(taken, other.email, 'another passphrase');
      await second.getByLabel('Username').fill(username);
      await second.getByRole('button', { name: 'Save', exact: true }).click();
      await second.getByText('Another account uses this username.').waitFor();
      await taken.close();
      await context.close();
    }, 120_000);

    it(`saves learning preferences, refusing a goal the API refuses (${mode})`, async () => {
      const user = await createUser(rig.h, { password: 'a learning passphrase' });
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a learning passphrase');
      await page.getByLabel('Difficulty').selectOption('ADVANCED');
      await page.getByLabel('Pace').selectOption('SELF_PACED');
      await page.getByLabel('Daily study goal (minutes)').fill('5000');
      await page.getByLabel('High contrast').check();
      await page.getByRole('button', { name: 'Update preferences' }).click();
      await page.getByText('Enter whole minutes from 0 to 1440.').waitFor();
      await page.getByLabel('Daily study goal (minutes)').fill('45');
      await page.getByLabel('Difficulty').selectOption('ADVANCED');
      await page.getByLabel('High contrast').check();
      await page.getByRole('button', { name: 'Update preferences' }).click();
      await page.getByText('Your changes are saved.').waitFor();
      const [saved] = await rig.h.context.database.primary
        .select()
        .from(learningPreferences)
        .where(eq(learningPreferences.userId, user.id));
      expect(saved).toMatchObject({ difficultyPreference: 'ADVANCED', dailyStudyGoal: 45, highContrast: true });
      expect(await page.getByLabel('Difficulty').inputValue()).toBe('ADVANCED');
      expect(await page.getByLabel('High contrast').isChecked()).toBe(true);
      expect((await lastAudit(user.id, 'learning_preferences.updated'))?.payload).toMatchObject({ via: 'hosted' });
      await context.close();
    }, 120_000);

    it(`changes the email through the mailed link, after the password (${mode})`, async () => {
      const user = await createUser(rig.h, { password: 'an email passphrase' });
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'an email passphrase');
      const newEmail = `moved-${Date.now().toString(36)}-${javaScript ? 'j' : 'n'}@example.com`;

      await page.getByLabel('New email').fill(newEmail);
      await page.locator('#emailPassword').fill('not my passphrase');
      await page.getByRole('button', { name: 'Change email' }).click();
      await page.locator('#emailPassword-error').waitFor();
      expect(await page.getByLabel('New email').inputValue()).toBe(newEmail);
      expect((await userRow(user.id))?.pendingEmail).toBeNull();

      await page.locator('#emailPassword').fill('an email passphrase');
      await page.getByRole('button', { name: 'Change email' }).click();
      await page.getByText(`We sent a link to ${newEmail}.`).waitFor();
      expect((await userRow(user.id))?.pendingEmail).toBe(newEmail);

      const mail = await smtp.waitFor(newEmail, /Confirm your new email address/);
      expect(mail.link?.startsWith(`${rig.base}/confirm-email-change?token=`)).toBe(true);
      const confirm = await context.newPage();
      await confirm.goto(mail.link ?? '');
      // The GET only asks (a mail scanner fetching the link changes nothing).
      expect((await userRow(user.id))?.email).toBe(user.email);
      await confirm.getByRole('button', { name: 'Confirm email' }).click();
      await confirm.getByText('Your new email address is in use.').waitFor();
      expect((await userRow(user.id))?.email).toBe(newEmail);
      await context.close();
    }, 120_000);

    it(`lists and unlinks a provider, and downloads the data export (${mode})`, async () => {
      const user = await createUser(rig.h, { password: 'a data passphrase' });
      await rig.h.context.database.primary
        .insert(userIdentities)
        .values({ userId: user.id, provider: 'github', subject: `gh-${user.id}`, email: user.email, emailVerified: true });
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a data passphrase');

      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download your data' }).click();
      const file = await (await download).path();
      const data = JSON.parse(await readFile(file, 'utf8'));
      expect(data.user).toMatchObject({ id: user.id, email: user.email });
      expect(JSON.stringify(data)).toContain('github');
      expect((await lastAudit(user.id, 'user.exported'))?.payload).toMatchObject({ via: 'hosted' });

      await page.getByRole('button', { name: 'Unlink github' }).click();
      await page.getByText('The provider is unlinked.').waitFor();
      await page.getByText('No provider is linked to your account.').waitFor();
      expect(await rig.h.context.database.primary.select().from(userIdentities).where(eq(userIdentities.userId, user.id))).toEqual([]);
      await context.close();
    }, 120_000);
  }

  it('passes axe-core on the account and email-change pages at both widths in both languages', async () => {
    const user = await createUser(rig.h, { password: 'an axe passphrase' });
    await rig.h.context.database.primary
      .insert(userIdentities)
      .values({ userId: user.id, provider: 'github', subject: `axe-${user.id}`, email: user.email });
    for (const language of ['en', 'de'] as const) {
      const context = await rig.context({ language, axe: true });
      const page = await signIn(context, user.email, 'an axe passphrase');
      await page.goto(`${rig.base}/account?lang=${language}`);
      await checkPageAtEachWidth(page);
      for (const path of ['/confirm-email-change', '/revert-email-change']) {
        await page.goto(`${rig.base}${path}?token=not-a-real-one&lang=${language}`);
        expect(await page.getAttribute('html', 'lang')).toBe(language);
        await checkPageAtEachWidth(page);
      }
      await context.close();
    }
  }, 240_000);
});
