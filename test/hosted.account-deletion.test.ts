import { and, desc, eq } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLogs } from '../src/db/schema/index.js';
import { createOrganization, createUser, login, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, sessionCookie, signInOnPage, startPages } from './helpers/pages.js';
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp.js';

// A person deletes their own account from /account in Debian's Chromium: the password again and a
// confirmation, then signed out everywhere, the account soft-deleted, audited as done on the pages, mailed.
describe.skipIf(!hasChromium)('hosted account deletion', () => {
  let rig: PagesRig;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    rig = await startPages({ SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000' }, 'learning');
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await smtp?.close();
  });

  const signIn = (context: BrowserContext, email: string, password: string) => signInOnPage(rig, context, email, password);

  for (const javaScript of [true, false]) {
    it(`asks for the password and a confirmation, then deletes, signs out everywhere and mails (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const user = await createUser(rig.h, { password: 'a leaving passphrase' });
      const api = await login(rig.h, user.email, 'a leaving passphrase');
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a leaving passphrase');
      await page.getByRole('link', { name: 'Delete my account…' }).click();
      await page.getByRole('heading', { name: 'Delete my account' }).waitFor();

      await page.getByLabel('Current password').fill('not my passphrase');
      await page.getByLabel(/I understand/).check();
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.getByText('The current password is not right.').waitFor();

      await page.getByLabel('Current password').fill('a leaving passphrase');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.getByText('Tick the box to confirm.').waitFor();
      expect((await rig.h.app.modules.hosted.person(user.id))?.status).toBe('ACTIVE');

      await page.getByLabel('Current password').fill('a leaving passphrase');
      await page.getByLabel(/I understand/).check();
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.getByText('Your account was deleted.').waitFor();
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      expect(await sessionCookie(context)).toBeUndefined();
      expect((await rig.h.app.modules.hosted.person(user.id))?.status).toBe('INACTIVE');
      // Every other session ended with it (the API's too).
      expect((await rig.h.app.inject({ url: '/auth/me', headers: api.headers })).statusCode).toBe(401);
      expect(
        (await rig.h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: 'a leaving passphrase' } }))
          .statusCode,
      ).toBe(401);
      const [row] = await rig.h.context.database.primary
        .select()
        .from(auditLogs)
        .where(and(eq(auditLogs.entityId, user.id), eq(auditLogs.action, 'user.deactivated')))
        .orderBy(desc(auditLogs.id));
      expect(row?.actorId).toBe(user.id);
      expect(row?.payload).toMatchObject({ via: 'hosted' });
      expect((await smtp.waitFor(user.email, /deleted/)).subject).toBe('Your account was deleted');
      await context.close();
    }, 90_000);
  }

  it('refuses the last administrator of an organization, and keeps the account', async () => {
    const root = await loginAs(rig.h, { roles: ['SUPER_ADMIN'] });
    const organizationId = await createOrganization(rig.h, root, `Solo ${Date.now()}`);
    const made = await rig.h.app.inject({
      method: 'POST',
      url: '/users',
      headers: root.headers,
      payload: {
        email: `solo${Date.now()}@example.com`,
        password: 'a lone admin passphrase',
        firstName: 'So',
        lastName: 'Lo',
        organizationId,
        roles: ['ORG_ADMIN'],
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const admin = made.json().user as { id: string; email: string };
    const context = await rig.context();
    const page = await signIn(context, admin.email, 'a lone admin passphrase');
    await page.goto(`${rig.base}/account/delete`);
    await page.getByLabel('Current password').fill('a lone admin passphrase');
    await page.getByLabel(/I understand/).check();
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByText('You are the last administrator of an organization.', { exact: false }).waitFor();
    expect((await rig.h.app.modules.hosted.person(admin.id))?.status).toBe('ACTIVE');
    expect(await sessionCookie(context)).toBeDefined();
    await context.close();
  }, 60_000);

  for (const language of ['en', 'de'] as const) {
    it(`passes axe-core at both widths in ${language}, in the person's language`, async () => {
      const user = await createUser(rig.h, { password: 'an axe passphrase' });
      const context = await rig.context({ language, axe: true });
      const page = await signIn(context, user.email, 'an axe passphrase');
      await page.goto(`${rig.base}/account/delete?lang=${language}`);
      await page.getByRole('heading', { name: language === 'de' ? 'Mein Konto löschen' : 'Delete my account' }).waitFor();
      expect(await page.getByLabel(language === 'de' ? 'Aktuelles Passwort' : 'Current password').getAttribute('autocomplete')).toBe(
        'current-password',
      );
      await checkPageAtEachWidth(page);
      await context.close();
    }, 60_000);
  }
});
