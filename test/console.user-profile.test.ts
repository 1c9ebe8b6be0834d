import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, login } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, consoleWidths, openConsole } from './helpers/console-browser.js';

// An administrator edits every field of a person's profile, their default organization and their user type
// on the console's user page, at 1280 and 390 px, checked by axe-core; each change is read back through the API.
describe.skipIf(!hasChromium)("admin console: a person's profile, organization and type", () => {
  let h: Harness;
  let ui: ConsoleBrowser;
  let admin: Awaited<ReturnType<typeof login>>;
  let organizationId: string;
  let userTypeId: string;

  const read = async (id: string) =>
    (await h.app.inject({ method: 'GET', url: `/users/${id}?include=profile`, headers: admin.headers })).json();

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    await h.app.modules.users.createSuperAdmin(systemCaller(), { email: 'root@example.com', password: 'console admin passphrase' });
    admin = await login(h, 'root@example.com', 'console admin passphrase');
    organizationId = await createOrganization(h, admin, 'Berlin School');
    const type = await h.app.inject({ method: 'POST', url: '/user-types', headers: admin.headers, payload: { name: 'Teacher' } });
    userTypeId = type.json().id;
    ui = await openConsole(h);
    await ui.signIn('root@example.com', 'console admin passphrase');
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
  });

  it('saves the profile, shows field errors from the API next to the form, and moves the person', async () => {
    const { page } = ui;
    for (const width of consoleWidths) {
      const person = await createUser(h, { firstName: 'Emmy', lastName: `Noether ${width}` });
      await page.setViewportSize({ width, height: 900 });
      await ui.visit(`users/${person.id}`, `Emmy Noether ${width}`);
      await page.getByRole('tab', { name: 'Profile' }).click();
      const form = page.getByRole('form', { name: 'Edit profile' });
      await form.getByLabel('Bio').fill('Algebraist');
      await form.getByLabel(/^Time zone/).fill('Europe/Berlin');
      await form.getByLabel(/^Language/).fill('de');
      await form.getByLabel('Gender').selectOption('FEMALE');
      await form.getByLabel('City').fill('Göttingen');
      // Checked against the API's published schema when the field is left, before anything is sent.
      await form.getByLabel('Website').fill('example.com/emmy');
      await form.getByLabel('Who sees the profile').focus();
      await expect.poll(() => form.getByLabel('Website').getAttribute('aria-invalid')).toBe('true');
      expect(await form.textContent()).toContain('Not an http(s) URL.');
      await form.getByLabel('Website').fill('https://example.com/emmy');
      await form.getByLabel('Who sees the profile').selectOption('PRIVATE');
      await form.getByLabel('Show the email on the profile').check();
      await ui.checkPage('user-profile', width);
      await form.getByRole('button', { name: 'Save profile' }).click();
      await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect((await read(person.id)).profile).toMatchObject({
        bio: 'Algebraist',
        timezone: 'Europe/Berlin',
        language: 'de',
        gender: 'FEMALE',
        city: 'Göttingen',
        websiteUrl: 'https://example.com/emmy',
        profileVisibility: 'PRIVATE',
        showEmail: true,
        showPhone: false,
      });

      // The API's own check of a time zone, shown on the page; nothing is saved.
      await form.getByLabel(/^Time zone/).fill('Mars/Olympus');
      await form.getByRole('button', { name: 'Save profile' }).click();
      await expect.poll(() => form.textContent()).toContain('timezone');
      expect((await read(person.id)).profile.timezone).toBe('Europe/Berlin');

      const placement = page.getByRole('form', { name: 'Organization and user type' });
      await placement.getByLabel('Default organization').selectOption({ label: 'Berlin School' });
      await placement.getByLabel('User type').selectOption({ label: 'Teacher' });
      await placement.getByRole('button', { name: 'Save organization and type' }).click();
      await placement.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect(await read(person.id)).toMatchObject({ organizationId, userTypeId });
      await ui.checkPage('user-profile-saved', width);
    }
    // The users list filters by user type: the two people just made teachers, not the administrator.
    await ui.visit('users', 'Users');
    await page.getByLabel('User type').selectOption({ label: 'Teacher' });
    const table = page.getByRole('table', { name: 'Users' });
    await expect.poll(async () => (await table.getByRole('link').allTextContents()).length).toBe(2);
    expect(await table.textContent()).not.toContain('root@example.com');
  });
});
