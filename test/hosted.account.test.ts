import { sql } from 'drizzle-orm';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createOrganization, createUser, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, sessionCookie, signInOnPage, startPages } from './helpers/pages.js';

// The signed-in person's own account in Debian's Chromium: profile, language, password and sessions.
describe.skipIf(!hasChromium)('hosted account page', () => {
  let rig: PagesRig;

  beforeAll(async () => {
    // The learning preset's roles (ORG_ADMIN, INSTRUCTOR) are held per organization.
    rig = await startPages({}, 'learning');
  }, 120_000);
  afterAll(async () => rig?.close());

  const signIn = (context: BrowserContext, email: string, password: string) => signInOnPage(rig, context, email, password);
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

      // Two sessions listed, each by its browser's name and system; the other one ends from here.
      expect(await page.locator('tbody tr').count()).toBe(2);
      expect(await page.locator('tbody tr td.row-name').allInnerTexts()).toEqual([
        expect.stringMatching(/^Chrome \d+ on Linux\n127\.0\.0\.1$/),
        expect.stringMatching(/^Chrome \d+ on Linux\n127\.0\.0\.1$/),
      ]);
      expect(await live(phone)).toBeDefined();
      // A screen reader hears which session the button ends: it is described by its row's device.
      const describedBy = await page.getByRole('button', { name: 'End session' }).getAttribute('aria-describedby');
      expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/^Chrome \d+ on Linux/);
      await page.getByRole('button', { name: 'End session' }).click();
      await page.getByText('The session is ended.').waitFor();
      expect(await live(phone)).toBeUndefined();
      expect(await page.locator('tbody tr').count()).toBe(1);

      // The email form asks for the current password too: this is the password form's.
      const passwordForm = page.getByRole('region', { name: 'Password', exact: true });
      await passwordForm.getByLabel('Current password').fill('not the passphrase');
      await passwordForm.getByLabel('New password').fill('a changed passphrase');
      await passwordForm.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('The current password is not right.').waitFor();
      await passwordForm.getByLabel('Current password').fill('an account passphrase');
      await passwordForm.getByLabel('New password').fill('a changed passphrase');
      await passwordForm.getByRole('button', { name: 'Change password' }).click();
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

  it('puts the focus on the first field with an error, without JavaScript', async () => {
    const user = await createUser(rig.h, { password: 'a focused passphrase' });
    const context = await rig.context({ javaScript: false });
    const page = await signIn(context, user.email, 'a focused passphrase');
    const focused = () => page.evaluate(() => document.activeElement?.id);

    await page.getByLabel('Phone').fill('not a phone');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#phone[aria-invalid="true"]').waitFor();
    expect(await focused()).toBe('phone');

    const passwordForm = page.getByRole('region', { name: 'Password', exact: true });
    await passwordForm.getByLabel('Current password').fill('not the passphrase');
    await passwordForm.getByLabel('New password').fill('a changed passphrase');
    await passwordForm.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The current password is not right.').waitFor();
    expect(await focused()).toBe('currentPassword');

    // The page's own error in the page's language, not the browser's bubble (the forms are novalidate).
    await page.getByLabel('New email').fill('not an address');
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.getByText('Enter an email address like name@example.com.').waitFor({ timeout: 5_000 });
    expect(await focused()).toBe('newEmail');
    await context.close();
  }, 60_000);

  it("refuses the person's own name or username as a new password, saying why next to the field", async () => {
    const owner = { firstName: 'Wilhelmina', lastName: 'Quackenbush', username: 'wquackenbush77', password: 'a named passphrase' };
    const user = await createUser(rig.h, owner);
    const context = await rig.context();
    const page = await signIn(context, user.email, owner.password);
    const passwordForm = page.getByRole('region', { name: 'Password', exact: true });
    for (const own of ['Wilhelmina Quackenbush', 'WQuackenbush77']) {
      await passwordForm.getByLabel('Current password').fill(owner.password);
      await passwordForm.getByLabel('New password').fill(own);
      await Promise.all([page.waitForEvent('load'), passwordForm.getByRole('button', { name: 'Change password' }).click()]);
      await page.getByText('Do not use your email address or name as your password.').waitFor();
    }
    await context.close();
    const stillOld = await rig.context();
    await signIn(stillOld, user.email, owner.password);
    await stillOld.close();
  }, 60_000);

  it('saves a bio of 5,000 characters, as the API does, and answers a longer one with its field error on the page', async () => {
    const user = await createUser(rig.h, { password: 'a bio passphrase' });
    const context = await rig.context();
    const page = await signIn(context, user.email, 'a bio passphrase');
    const savedBio = async () =>
      (await queryRows<{ bio: string | null }>(rig.h.context.database.primary, sql`SELECT bio FROM profiles WHERE user_id = ${user.id}`))[0]
        ?.bio;

    await page.getByLabel('About you').fill('b'.repeat(5000));
    await page.getByRole('combobox', { name: 'Language' }).selectOption('de');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Ihre Änderungen sind gespeichert.').waitFor();
    expect(await savedBio()).toBe('b'.repeat(5000));

    // Past the textarea's own limit (a script or an older browser): the page again, in the person's language.
    await page.locator('#bio').evaluate((bio: HTMLTextAreaElement) => {
      bio.value = 'c'.repeat(5001);
    });
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/account/profile')),
      page.getByRole('button', { name: 'Speichern' }).click(),
    ]);
    expect(answer.status()).toBe(400);
    expect(answer.headers()['content-type']).toMatch(/^text\/html/);
    await page.locator('#bio-error').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.locator('#bio-error').textContent()).toBe('Das ist zu lang.');
    // What was typed is still there to shorten.
    expect(await page.locator('#bio').inputValue()).toBe('c'.repeat(5001));
    expect(await savedBio()).toBe('b'.repeat(5000));
    await context.close();
  }, 60_000);

  it('answers a form past every bound with a page in its language under the pages’ policy, never problem+json', async () => {
    const user = await createUser(rig.h, { password: 'a bound passphrase' });
    const context = await rig.context();
    await signIn(context, user.email, 'a bound passphrase');
    const cookie = await sessionCookie(context);
    const post = (accept: string) =>
      rig.h.app.inject({
        method: 'POST',
        url: '/account/profile',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `tessera_session=${cookie?.value}; tessera_lang=de`,
          accept,
          'sec-fetch-site': 'same-origin',
        },
        payload: new URLSearchParams({ firstName: 'Long', lastName: 'Token', csrf: 'c'.repeat(5000) }).toString(),
      });
    const refused = await post('text/html,application/xhtml+xml,*/*;q=0.8');
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.headers['content-language']).toBe('de');
    expect(refused.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(refused.headers['referrer-policy']).toBe('no-referrer');
    expect(refused.body).toContain('<h1>Formular nicht angenommen</h1>');
    expect(refused.body).toContain('<a href="/account">Zurück</a>');
    // A caller that does not ask for a page (a script's fetch) still gets the API's problem.
    const scripted = await post('*/*');
    expect(scripted.statusCode).toBe(400);
    expect(scripted.headers['content-type']).toMatch(/^application\/problem\+json/);
    await context.close();
  }, 60_000);

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

  it('says a form from before a sign-out in another tab no longer applies, changes nothing and links back to its page', async () => {
    const user = await createUser(rig.h, { password: 'a two-tab passphrase', firstName: 'Kept' });
    const context = await rig.context();
    const first = await signIn(context, user.email, 'a two-tab passphrase');
    const second = await context.newPage();
    await second.goto(`${rig.base}/account`);
    await second.getByRole('button', { name: 'Sign out', exact: true }).click();
    await second.waitForURL(/\/sign-in/);
    await first.getByLabel('First name').fill('Changed');
    await first.getByRole('button', { name: 'Save', exact: true }).click();
    // Not "sent from another site": it was this site's page, made for the sign-in that ended.
    await first.getByRole('heading', { name: 'Nothing was changed' }).waitFor();
    expect(await first.getByRole('alert').textContent()).toContain('in another tab or window');
    await first.getByRole('link', { name: 'Open the page again' }).click();
    await first.waitForURL(`${rig.base}/sign-in?return_to=%2Faccount`);
    expect(await rig.h.app.modules.hosted.person(user.id)).toMatchObject({ firstName: 'Kept' });
    await context.close();
  }, 60_000);

  /** A person made through the API in two organizations, with a different role in each. */
  const personInTwoOrganizations = async (password: string) => {
    const root = await loginAs(rig.h, { roles: ['SUPER_ADMIN'] });
    const post = (url: string, payload: object) => rig.h.app.inject({ method: 'POST', url, headers: root.headers, payload });
    const suffix = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const first = await createOrganization(rig.h, root, `North School ${suffix}`);
    const second = await createOrganization(rig.h, root, `South School ${suffix}`);
    const made = await post('/users', {
      email: `two-${suffix}@example.com`,
      firstName: 'Two',
      lastName: 'Schools',
      organizationId: first,
      roles: ['ORG_ADMIN'],
      password,
    });
    const person = made.json().user as { id: string; email: string };
    expect((await post(`/organizations/${second}/members`, { userId: person.id, roleIds: ['INSTRUCTOR'] })).statusCode).toBe(201);
    return { person, first, second, suffix };
  };

  for (const javaScript of [true, false]) {
    it(`lists the person's organizations, switches the active one and sets the default (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const { person, first, second, suffix } = await personInTwoOrganizations('a switching passphrase');
      const context = await rig.context({ javaScript });
      const page = await signIn(context, person.email, 'a switching passphrase');
      const rows = page
        .getByRole('table')
        .filter({ has: page.getByRole('columnheader', { name: 'Your roles' }) })
        .locator('tbody tr');
      expect(await rows.count()).toBe(2);
      const row = (name: string) => rows.filter({ has: page.getByRole('rowheader', { name }) });
      expect(await row(`North School ${suffix}`).textContent()).toMatch(/ORG_ADMIN\s+Active here, Default at sign-in/);
      expect(await row(`South School ${suffix}`).textContent()).toMatch(/INSTRUCTOR\s+—/);
      expect((await live(context))?.organizationId).toBe(first);

      await page.getByRole('combobox', { name: 'Organization' }).selectOption({ label: `South School ${suffix}` });
      await page.getByRole('button', { name: 'Switch to this organization' }).click();
      await page.getByText('You now act in the chosen organization.').waitFor();
      expect((await live(context))?.organizationId).toBe(second);
      expect(await row(`South School ${suffix}`).textContent()).toMatch(/Active here/);
      expect(await row(`South School ${suffix}`).getAttribute('aria-current')).toBe('true');
      const [switched] = await queryRows<{ n: number }>(
        rig.h.context.database.primary,
        sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.organization_switched' AND actor_id = ${person.id}`,
      );
      expect(switched?.n).toBe(1);

      // The chosen one is preselected; making it the default moves where sign-ins land.
      await page.getByRole('button', { name: 'Make it my default' }).click();
      await page.getByText('Your sign-ins now land in the chosen organization.').waitFor();
      expect(await row(`South School ${suffix}`).textContent()).toMatch(/Active here, Default at sign-in/);
      expect((await rig.h.app.modules.hosted.person(person.id))?.organizationId).toBe(second);
      await context.close();
    }, 120_000);
  }

  it('refuses a switch into an organization the person is not an active member of, and a cross-site one', async () => {
    const { person, first, second } = await personInTwoOrganizations('a refused passphrase');
    const context = await rig.context();
    const page = await signIn(context, person.email, 'a refused passphrase');
    const cookie = (await sessionCookie(context))?.value;
    const csrf = await page.locator('form[action="/account/organizations/switch"] input[name="csrf"]').inputValue();
    const root = await loginAs(rig.h, { roles: ['SUPER_ADMIN'] });
    const elsewhere = await createOrganization(rig.h, root, `Elsewhere ${Date.now()}`);
    const post = (organizationId: string, origin = rig.base) =>
      rig.h.app.inject({
        method: 'POST',
        url: '/account/organizations/switch',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tessera_session=${cookie}`, origin },
        payload: `organizationId=${organizationId}&csrf=${csrf}`,
      });
    const refused = await post(elsewhere);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('You are not an active member of that organization.');
    expect((await post(second, 'https://evil.example')).statusCode).toBe(403);
    expect((await live(context))?.organizationId).toBe(first);
    // A suspended membership is listed, but cannot be switched to.
    await rig.h.app.inject({
      method: 'PATCH',
      url: `/organizations/${second}/members/${person.id}`,
      headers: root.headers,
      payload: { status: 'SUSPENDED' },
    });
    expect((await post(second)).statusCode).toBe(400);
    expect((await live(context))?.organizationId).toBe(first);
    await context.close();
  }, 60_000);

  it('passes axe-core on the account page at both widths in both languages', async () => {
    // In two organizations, so the organization switcher is on the page too.
    const { person: user } = await personInTwoOrganizations('an axe passphrase');
    for (const language of ['en', 'de'] as const) {
      const context = await rig.context({ language, axe: true });
      const page = await signIn(context, user.email, 'an axe passphrase');
      await page.goto(`${rig.base}/account?lang=${language}`);
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      // Every field says what it holds (checkPage); the language is theirs.
      expect(await page.locator('select#language').getAttribute('autocomplete')).toBe('language');
      await checkPageAtEachWidth(page);
      await context.close();
    }
  }, 180_000);
});
