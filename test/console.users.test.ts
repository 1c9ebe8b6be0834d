import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { login, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, consoleWidths, openConsole } from './helpers/console-browser.js';

const ADMIN = { email: 'people-admin@example.com', password: 'user page admin passphrase' };
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

// The user page's sessions (end one, end all), field checks from the API's schema before anything is sent,
// learning actions (verify a skill, add and edit a goal), the invitations' reminders, the bulk export of
// selected users as a download, bulk suspend / activate / delete, and dark mode: in Chromium at 1280 and
// 390 px, axe-core on each state.
describe.skipIf(!hasChromium)('admin console: the user page and the users list', () => {
  let h: Harness;
  let ui: ConsoleBrowser;
  let page: Page;
  let admin: Awaited<ReturnType<typeof login>>;

  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await h.app.inject({ method, url, headers: admin.headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    await h.app.modules.users.createSuperAdmin(systemCaller(), ADMIN);
    admin = await login(h, ADMIN.email, ADMIN.password);
    ui = await openConsole(h);
    page = ui.page;
    await ui.signIn(ADMIN.email, ADMIN.password);
  }, 120_000);

  afterAll(async () => {
    await page?.emulateMedia({ colorScheme: 'light' });
    await ui?.close();
    await h?.close();
  });

  const tab = (name: string) => page.getByRole('tab', { name }).click();
  /** A page loaded afresh: the console keeps what it fetched for a while, and these rows come from the API. */
  async function visitFresh(hash: string, heading: string) {
    await ui.visit(hash, heading);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    // A page loaded (not reached from another) keeps the browser's own focus.
    await expect(page.evaluate(() => document.activeElement === document.body)).resolves.toBe(true);
  }

  for (const width of consoleWidths) {
    it(`ends one session of a user and keeps the other at ${width} px`, async () => {
      const target = await loginAs(h, { firstName: 'Sam', lastName: `Sessions ${width}` });
      const second = await login(h, target.user.email, target.user.password, { 'user-agent': FIREFOX_ON_WINDOWS });
      await page.setViewportSize({ width, height: 900 });
      await ui.visit(`users/${target.userId}`, `Sam Sessions ${width}`);
      await tab('Sessions');
      await page.getByText('2 live sessions').waitFor();
      // A browser by the name a person knows it by, its agent as sent a hover away; an agent no browser sent, as it came.
      const named = page.getByText(/^Firefox 128 on Windows 10 · 127\.0\.0\.1 · started/);
      expect(await named.getAttribute('title')).toBe(FIREFOX_ON_WINDOWS);
      await page.getByRole('button', { name: /^End session Firefox 128 on Windows 10 · 127\.0\.0\.1, last used/ }).waitFor();
      await page.getByText(/^lightMyRequest · 127\.0\.0\.1 · started/).waitFor();
      await ui.checkPage('user-sessions', width);
      const [first] = (await api('GET', `/users/${target.userId}/sessions`)).body.data as { id: string }[];
      const kept = (await h.app.inject({ method: 'GET', url: '/users/me/sessions', headers: second.headers })).json().data[0];
      // The first listed is the newest: the second sign-in's. End the other one.
      expect(first?.id).toBe(kept.id);
      await page
        .getByRole('button', { name: /^End session/ })
        .nth(1)
        .click();
      await page.getByRole('dialog', { name: 'End this session?' }).getByRole('button', { name: 'End session' }).click();
      await page.getByText('1 live session').waitFor();
      expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: target.headers })).statusCode).toBe(401);
      expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: second.headers })).statusCode).toBe(200);
      await ui.checkPage('user-session-ended', width);

      await page.getByRole('button', { name: 'End all sessions' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'End all sessions' }).click();
      await page.getByText('No live session.').waitFor();
      expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: second.headers })).statusCode).toBe(401);
    }, 60_000);

    it(`checks the edit and new-user forms against the API's schema before sending at ${width} px`, async () => {
      const target = await loginAs(h, { firstName: 'Val', lastName: `Idation ${width}` });
      await page.setViewportSize({ width, height: 900 });
      await ui.visit(`users/${target.userId}`, `Val Idation ${width}`);
      const form = page.getByRole('form', { name: 'Edit user' });
      await form.getByLabel('Username').fill('x');
      await form.getByLabel('Phone').fill('0301234');
      await form.getByLabel('Email').focus();
      // Each field's problem shows as soon as it is left, tied to the field.
      await expect(form.getByLabel('Username').getAttribute('aria-invalid')).resolves.toBe('true');
      await form.getByText('Not in the form required (E.164).').waitFor();
      await form.getByLabel('Email').fill('not-an-email');
      await form.getByLabel('First name').focus();
      await form.getByText('Not an email address.').waitFor();
      await ui.checkPage('user-edit-problems', width);
      await form.getByLabel('Email').fill(`val-${width}@example.com`);
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByText('Correct the fields marked before saving.').waitFor();
      expect((await api('GET', `/users/${target.userId}`)).body).toMatchObject({ username: null, email: target.user.email });

      await form.getByLabel('Username').fill(`val_${width}`);
      await form.getByLabel('Phone').fill(`+4930123${width}`);
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByText('Saved.').waitFor();
      expect((await api('GET', `/users/${target.userId}`)).body).toMatchObject({
        username: `val_${width}`,
        phone: `+4930123${width}`,
        email: `val-${width}@example.com`,
      });

      await ui.visit('users', 'Users');
      await page.getByRole('button', { name: 'New user' }).click();
      const create = page.getByRole('dialog', { name: 'New user' });
      await create.getByLabel('Email').fill('nobody-at-all');
      await create.getByLabel('Username').fill('a b');
      await create.getByLabel('First name').focus();
      await create.getByText('Not an email address.').waitFor();
      await create.getByText('Not in the form required.').waitFor();
      await ui.checkPage('users-new-problems', width);
      await create.getByLabel('Email').fill(`new-${width}@example.com`);
      await create.getByLabel('Username').fill(`new_${width}`);
      await create.getByRole('button', { name: 'Create user' }).click();
      await page.getByRole('heading', { level: 1, name: `new-${width}@example.com` }).waitFor();
      // The new user's page takes focus at its heading (not the body the dialog left it on), with its title.
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('page-title');
      await expect(page.title()).resolves.toBe(`new-${width}@example.com · Tessera console`);
    }, 60_000);

    it(`verifies a skill and adds and edits a goal at ${width} px`, async () => {
      const target = await loginAs(h, { firstName: 'Lee', lastName: `Learner ${width}` });
      const skill = await api('POST', `/users/${target.userId}/skills`, {
        skillName: `Chemistry ${width}`,
        skillCategory: 'Science',
        proficiencyLevel: 'INTERMEDIATE',
      });
      expect(skill.status).toBe(201);
      await page.setViewportSize({ width, height: 900 });
      await ui.visit(`users/${target.userId}`, `Lee Learner ${width}`);
      await tab('Learning');
      await page.getByText('No goals.').waitFor();
      await ui.checkPage('user-learning', width);

      await page.getByRole('button', { name: `Verify Chemistry ${width}` }).click();
      const verify = page.getByRole('dialog', { name: `Verify Chemistry ${width}` });
      await verify.getByLabel(/^Evidence \(optional/).fill('certificate');
      await verify.getByLabel('Evidence URL (optional)').fill('ftp://files.example/cert.pdf');
      await verify.getByLabel(/^Evidence \(optional/).focus();
      await verify.getByText('Not an http(s) URL.').waitFor();
      await verify.getByLabel('Evidence URL (optional)').fill('https://certs.example/chem.pdf');
      await verify.getByRole('button', { name: 'Verify skill' }).click();
      await page.getByRole('button', { name: `Withdraw verification of Chemistry ${width}` }).waitFor();
      expect((await api('GET', `/users/${target.userId}/skills/${skill.body.skill.id}`)).body.skill).toMatchObject({
        verified: true,
        evidenceType: 'certificate',
        evidenceUrl: 'https://certs.example/chem.pdf',
      });

      await page.getByRole('button', { name: 'Add goal' }).click();
      const add = page.getByRole('dialog', { name: 'Add a goal' });
      await add.getByLabel('Title').fill(`Finish organic chemistry ${width}`);
      await add.getByLabel('Kind').selectOption('COURSE_COMPLETION');
      await add.getByLabel('Target date').fill('2027-06-30');
      await add.getByLabel('Target value (optional)').fill('0');
      await page.keyboard.press('Tab');
      await add.getByText('More than 0.').waitFor();
      await ui.checkPage('user-goal-new', width);
      await add.getByLabel('Target value (optional)').fill('3');
      await add.getByLabel('Unit (optional: hours, courses, points …)').fill('courses');
      await add.getByRole('button', { name: 'Add goal' }).click();
      await page.getByText('1 goal', { exact: true }).waitFor();

      await page.getByRole('button', { name: `Edit goal Finish organic chemistry ${width}` }).click();
      const edit = page.getByRole('dialog', { name: `Edit goal Finish organic chemistry ${width}` });
      await edit.getByLabel('Status').selectOption('PAUSED');
      await edit.getByLabel('Priority').selectOption('HIGH');
      await edit.getByRole('button', { name: 'Save goal' }).click();
      await page.getByText(/PAUSED · HIGH/).waitFor();
      const [goal] = (await api('GET', `/users/${target.userId}/goals`)).body.data;
      expect(goal).toMatchObject({
        title: `Finish organic chemistry ${width}`,
        goalType: 'COURSE_COMPLETION',
        targetValue: 3,
        unit: 'courses',
        status: 'PAUSED',
        priority: 'HIGH',
      });

      await page.emulateMedia({ colorScheme: 'dark' });
      await ui.checkPage('user-learning-dark', width);
      await tab('Details');
      await ui.checkPage('user-details-dark', width);
      await page.emulateMedia({ colorScheme: 'light' });
    }, 60_000);

    it(`shows how many reminders an invitation was sent at ${width} px`, async () => {
      const email = `invitee-${width}@example.com`;
      const organization = await api('POST', '/organizations', { name: `Reminded ${width}` });
      expect((await api('POST', `/organizations/${organization.body.organization.id}/invitations`, { email })).status).toBe(201);
      const later = new Date(Date.now() + h.context.config.REMINDER_INTERVAL + 60_000);
      expect(await h.app.modules.invitations.sendDueReminders(later)).toBeGreaterThanOrEqual(1);
      await page.setViewportSize({ width, height: 900 });
      await visitFresh('invitations', 'Invitations');
      const row = page.getByRole('row').filter({ hasText: email });
      await row.getByText(/^1, last /).waitFor();
      await ui.checkPage('invitations-reminders', width);
    }, 60_000);

    it(`exports the selected users as CSV and JSON downloads, then suspends, activates and deletes them at ${width} px`, async () => {
      const picked = [`pick-a@export-${width}.example`, `pick-b@export-${width}.example`];
      for (const email of [...picked, `left@export-${width}.example`]) {
        expect((await api('POST', '/users', { email, firstName: email.startsWith('pick-a') ? '=SUM(A1)' : 'Plain' })).status).toBe(201);
      }
      await page.setViewportSize({ width, height: 900 });
      await ui.visit('users', 'Users');
      await page.getByLabel('Search users').fill(`export-${width}.example`);
      await page.getByText('3 users').waitFor();
      // A filter changes the rows, not the page: focus stays in the search field.
      await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('Search users');
      for (const email of picked) {
        const row = page.getByRole('row').filter({ hasText: email });
        await row.getByRole('checkbox').check();
      }
      await page.getByText('2 selected').waitFor();
      await ui.checkPage('users-selected', width);
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export selected (CSV)' }).click()]);
      expect(csv.suggestedFilename()).toBe('users.csv');
      const text = readFileSync((await csv.path()) as string, 'utf8');
      const lines = text.split('\n');
      expect(lines[0]).toBe('email,firstName,lastName,username,status,emailVerified,organization,lastLoginAt,createdAt,organizationId,id');
      expect(lines).toHaveLength(3);
      for (const email of picked) expect(text).toContain(`"${email}"`);
      expect(text).not.toContain(`left@export-${width}`);
      // A value a spreadsheet would run as a formula is written as text.
      expect(text).toContain(`"'=SUM(A1)"`);
      const [json] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export selected (JSON)' }).click(),
      ]);
      const rows = JSON.parse(readFileSync((await json.path()) as string, 'utf8')) as { email: string }[];
      expect(rows.map((row) => row.email).sort()).toEqual(picked);

      // Suspend (with a reason), activate and delete the selected: the destructive ones confirmed in a dialog.
      const statuses = async () => {
        const found = (await api('GET', `/users?search=export-${width}.example`)).body.data as { email: string; status: string }[];
        return Object.fromEntries(found.map((user) => [user.email, user.status]));
      };
      const expected = (status: string) => ({
        [picked[0] as string]: status,
        [picked[1] as string]: status,
        [`left@export-${width}.example`]: 'ACTIVE',
      });
      await page.getByRole('button', { name: 'Suspend selected' }).click();
      const suspend = page.getByRole('dialog', { name: 'Suspend 2 users?' });
      await suspend.getByLabel('Reason for the suspension').fill(`Audit ${width}`);
      await ui.checkPage('users-bulk-suspend', width);
      await suspend.getByRole('button', { name: 'Suspend' }).click();
      await expect.poll(statuses, { timeout: 10_000 }).toEqual(expected('SUSPENDED'));
      const [suspended] = (await api('GET', `/users?search=${encodeURIComponent(picked[0] as string)}`)).body.data;
      expect(suspended.statusReason).toBe(`Audit ${width}`);
      await page.getByRole('button', { name: 'Activate selected' }).click();
      await expect.poll(statuses, { timeout: 10_000 }).toEqual(expected('ACTIVE'));
      await page.getByRole('button', { name: 'Delete selected' }).click();
      const remove = page.getByRole('dialog', { name: 'Delete 2 users?' });
      await expect(remove.getByRole('button', { name: 'Delete' }).isDisabled()).resolves.toBe(true);
      await remove.getByLabel(/^Type delete to confirm/).fill('delete');
      await remove.getByRole('button', { name: 'Delete' }).click();
      await expect.poll(statuses, { timeout: 10_000 }).toEqual(expected('INACTIVE'));
    }, 60_000);
  }
});
