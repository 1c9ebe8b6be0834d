import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organizationMemberships, sessions, users } from '../src/db/schema/index.js';
import { createOrganization, createUser, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, sessionCookie, startPages } from './helpers/pages.js';
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp.js';

// An invitation from the inbox to the account, in Debian's Chromium: a new person, the owner of an
// existing account, and one who belongs to another organization.
describe.skipIf(!hasChromium)('hosted invitation pages', () => {
  let rig: PagesRig;
  let smtp: SmtpReceiver;
  let orgA: string;
  let orgB: string;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let counter = 0;
  const address = (name: string) => `${name}-${++counter}-${Date.now()}@example.com`;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    rig = await startPages({ SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000' }, 'learning');
    const root = await loginAs(rig.h, { roles: ['SUPER_ADMIN'] });
    orgA = await createOrganization(rig.h, root, 'Acme Learning');
    orgB = await createOrganization(rig.h, root, 'Other Academy');
    admin = await loginAs(rig.h, { roles: ['ORG_ADMIN'], organizationId: orgA });
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await smtp?.close();
  });

  const invite = async (email: string) => {
    const res = await rig.h.app.inject({
      method: 'POST',
      url: `/organizations/${orgA}/invitations`,
      headers: admin.headers,
      payload: { email },
    });
    expect(res.statusCode).toBe(201);
    const mail = await smtp.waitFor(email, /invited you/);
    expect(mail.link?.startsWith(`${rig.base}/accept-invitation?token=`)).toBe(true);
    return mail.link as string;
  };
  const organizationOf = async (email: string) =>
    (await rig.h.context.database.primary.select().from(users).where(eq(users.email, email)))[0]?.organizationId;

  for (const javaScript of [true, false]) {
    it(`lets a new person choose a name and password and join, ${javaScript ? 'with' : 'without'} JavaScript`, async () => {
      const email = address('newcomer');
      const link = await invite(email);
      const context = await rig.context({ javaScript });
      const page = await context.newPage();
      await page.goto(link);
      await page.getByRole('heading', { name: 'Join Acme Learning' }).waitFor();
      expect(await page.textContent('main')).toContain(email);
      // A password manager files the new password under the invited address, the form's username.
      expect(await page.locator('form input[autocomplete="username"]').inputValue()).toBe(email);
      await page.getByLabel('First name').fill('Nina');
      await page.getByLabel('Last name').fill('Newcomer');
      await page.getByLabel('New password').fill('short');
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await page.getByText('Use at least 10 characters.').waitFor();
      expect(await page.getByLabel('First name').inputValue()).toBe('Nina');
      await page.getByLabel('New password').fill('a newcomer passphrase');
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await sessionCookie(context)).toBeDefined();
      expect(await organizationOf(email)).toBe(orgA);
      // The link is spent.
      await page.goto(link);
      await page.getByText('This invitation is invalid, already used or expired.').waitFor();
      await context.close();
    }, 90_000);
  }

  it('lets the owner of an existing account enter its password and join, and refuses a wrong one', async () => {
    const existing = await createUser(rig.h, { email: address('existing'), password: 'an existing passphrase' });
    const link = await invite(existing.email);
    const context = await rig.context();
    const page = await context.newPage();
    await page.goto(link);
    await page.getByText('An account already uses this address.').waitFor();
    // A password manager offers the password it holds for the invited address.
    expect(await page.locator('form input[autocomplete="username"]').inputValue()).toBe(existing.email);
    await page.getByLabel(/^Password$/).fill('not my passphrase');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByText('The password is not right.').waitFor();
    expect(await organizationOf(existing.email)).toBeNull();
    await page.getByLabel(/^Password$/).fill('an existing passphrase');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await organizationOf(existing.email)).toBe(orgA);
    await context.close();
  }, 90_000);

  it('lets a signed-in owner accept with one press, replacing their browser session', async () => {
    const existing = await createUser(rig.h, { email: address('signedin'), password: 'a signed-in passphrase' });
    const context = await rig.context();
    const page = await context.newPage();
    await page.goto(`${rig.base}/sign-in`);
    await page.getByLabel('Email or username').fill(existing.email);
    await page.getByLabel(/^Password$/).fill('a signed-in passphrase');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    const before = await sessionCookie(context);
    // Signed in since the morning: the session that accepts gives way to one as old, not to a fresh sign-in.
    const provenAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 7_200_000);
    await rig.h.context.database.primary.update(sessions).set({ createdAt: provenAt }).where(eq(sessions.userId, existing.id));
    await page.goto(await invite(existing.email));
    await page.getByText(`You are signed in as ${existing.email}.`).waitFor();
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await organizationOf(existing.email)).toBe(orgA);
    const after = await sessionCookie(context);
    expect(after?.value).not.toBe(before?.value);
    expect(await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${before?.value}` } })).toBeUndefined();
    const now = await rig.h.app.modules.hosted.browserSession({ headers: { cookie: `tessera_session=${after?.value}` } });
    expect(now?.authTime).toEqual(provenAt);
    await context.close();
  }, 90_000);

  it('lets a member of another organization join this one too, keeping their default organization', async () => {
    const member = await createUser(rig.h, { email: address('member'), password: 'a member passphrase', organizationId: orgB });
    const link = await invite(member.email);
    const context = await rig.context();
    const page = await context.newPage();
    await page.goto(link);
    await page.getByLabel(/^Password$/).fill('a member passphrase');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(await organizationOf(member.email)).toBe(orgB);
    const joined = await rig.h.context.database.primary
      .select()
      .from(organizationMemberships)
      .where(eq(organizationMemberships.userId, member.id));
    expect(joined.map((membership) => membership.organizationId)).toContain(orgA);
    await context.close();
  }, 90_000);

  it('passes axe-core on the invitation page at both widths in both languages', async () => {
    const link = await invite(address('axe'));
    for (const language of ['en', 'de'] as const) {
      const context = await rig.context({ language, axe: true });
      const page = await context.newPage();
      await page.goto(link);
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      await checkPageAtEachWidth(page);
      await context.close();
    }
  }, 120_000);
});
