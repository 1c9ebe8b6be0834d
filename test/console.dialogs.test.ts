import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { type apiAs, createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, consoleAsSuperAdmin } from './helpers/console-browser.js';

const ADMIN = { email: 'dialogs@example.com', password: 'console dialogs passphrase' };

// What a dialog does when the API refuses it: the problem is said in the dialog, focus goes to it (not to the
// page behind), and the dialog still traps focus and closes on Escape. In Chromium, checked by axe-core.
describe.skipIf(!hasChromium)('admin console: a dialog the API refuses', () => {
  let h: Harness;
  let ui: ConsoleBrowser;
  let page: Page;
  let api: ReturnType<typeof apiAs>;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    ({ ui, api } = await consoleAsSuperAdmin(h, ADMIN));
    page = ui.page;
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
  });

  const focusedInDialog = () => page.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null);

  it('a 409 keeps the dialog open with its problem focused; Escape then returns focus to the trigger', async () => {
    expect((await api('POST', '/organizations', { name: 'Taken', slug: 'taken' })).status).toBe(201);
    await ui.visit('organizations', 'Organizations');
    await page.getByRole('button', { name: 'New organization' }).click();
    const dialog = page.getByRole('dialog', { name: 'New organization' });
    await dialog.getByLabel('Name', { exact: true }).fill('Taken');
    await dialog.getByRole('button', { name: 'Create organization' }).click();

    // The conflict is said by the field the form shows: the slug made from the name, then the one typed.
    const problem = dialog.getByRole('alert');
    await expect(problem.textContent()).resolves.toBe(
      'Another organization already has the slug made from this name: type a slug of its own in Slug.',
    );
    await dialog.getByLabel(/^Slug/).fill('taken');
    await dialog.getByRole('button', { name: 'Create organization' }).click();
    // The alert is the same element with new words: wait for them, not for the element.
    await expect.poll(() => problem.textContent()).toBe('Another organization already has the slug “taken”: choose another slug.');
    await expect(problem.evaluate((note) => note === document.activeElement)).resolves.toBe(true);
    await ui.checkAtEachWidth('organization-refused');
    for (let step = 0; step < 7; step++) {
      await page.keyboard.press('Tab');
      await expect(focusedInDialog()).resolves.toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Radix gives focus back a task after the dialog leaves the page: wait for it rather than read it at once.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('New organization');
  });

  it('a role name the API would refuse is said by the field, in words, not as the schema pattern', async () => {
    await ui.visit('access', 'Access');
    await page.getByRole('button', { name: 'New role' }).click();
    const dialog = page.getByRole('dialog', { name: 'New role' });
    const name = dialog.getByRole('textbox', { name: /^Name/ });
    await name.fill('Bad name!');
    await dialog.getByRole('button', { name: 'Create role' }).click();

    await expect(name.getAttribute('aria-invalid')).resolves.toBe('true');
    const problemId = await name.getAttribute('aria-describedby');
    await expect(page.locator(`[id="${problemId}"]`).textContent()).resolves.toMatch(/^Not in the form required/);
    await expect(dialog.textContent()).resolves.not.toMatch(/pattern|body\//);
    await ui.checkAtEachWidth('role-refused');
    await name.fill('reviewers');
    await dialog.getByRole('button', { name: 'Create role' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await api('GET', '/roles')).body.data.map((role: { name: string }) => role.name)).toContain('reviewers');
  });

  it('a dialog or button whose action removed itself (Suspend, now Reactivate; Reactivate, now Suspend) leaves focus on the page heading, by keyboard', async () => {
    const person = await createUser(h, { firstName: 'Sue', lastName: 'Spended' });
    await ui.visit(`users/${person.id}`, 'Sue Spended');
    const suspend = page.getByRole('button', { name: 'Suspend', exact: true });
    await suspend.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.keyboard.type('keyboard only');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();

    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('page-title');
    await ui.checkAtEachWidth('user-suspended');
    expect((await api('GET', `/users/${person.id}`)).body.status).toBe('SUSPENDED');

    // Reactivate has no dialog; its button gives way to Suspend, and focus goes to the heading likewise.
    await page.getByRole('button', { name: 'Reactivate' }).focus();
    await page.keyboard.press('Enter');
    await suspend.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('page-title');
    expect((await api('GET', `/users/${person.id}`)).body.status).toBe('ACTIVE');
  });

  it('an invitation already pending is said in the console words, and its checkbox mails it again', async () => {
    await ui.visit('invitations', 'Invitations');
    // Made through the API a moment after the console listed the organizations: the dialog offers it all the same.
    const organizationId = (await api('POST', '/organizations', { name: 'Invites' })).body.organization.id;
    const first = await api('POST', `/organizations/${organizationId}/invitations`, { email: 'twice@example.com' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await ui.visit(`invitations/${organizationId}`, 'Invitations');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send an invitation' });
    await expect.poll(() => dialog.getByLabel('Organization').inputValue(), { timeout: 5000 }).toBe(organizationId);
    await dialog.getByLabel('Email').fill('twice@example.com');
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();

    const problem = dialog.getByRole('alert');
    await expect(problem.textContent()).resolves.toMatch(/already pending: tick “Send it again if one is pending”/);
    await ui.checkAtEachWidth('invitation-pending');
    await dialog.getByLabel('Send it again if one is pending').check();
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  });
});
