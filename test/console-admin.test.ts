import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUserWithProfile } from '../src/modules/users/queries.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { apiAs, login, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, consoleWidths, openConsole } from './helpers/console-browser.js';

// The console's access, plans, providers, API keys and import pages in Chromium at 1280 and 390 px, each
// checked by axe-core; every action is confirmed through the API, not only on the screen.
describe.skipIf(!hasChromium)('admin console: roles, plans, providers, keys, import', () => {
  let h: Harness;
  let ui: ConsoleBrowser;
  let page: Page;
  let zoeId: string;
  let roleId: string;
  let keyOwnerId: string;
  let api: ReturnType<typeof apiAs>;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', SIGNING_KEY_SECRET: 'cd'.repeat(32) } });
    await h.app.modules.users.createSuperAdmin(systemCaller(), { email: 'root@example.com', password: 'console admin passphrase' });
    api = apiAs(h, await login(h, 'root@example.com', 'console admin passphrase'));
    const zoe = await insertUserWithProfile(h.context.database.primary, {
      email: 'zoe@example.com',
      firstName: 'Zoë',
      lastName: 'Müller',
      status: 'ACTIVE',
    });
    zoeId = zoe.id;
    const role = await api('POST', '/roles', { name: 'support', permissions: ['users:read'] });
    roleId = role.body.id;
    const keyOwner = await loginAs(h, { permissions: ['users:read'] });
    keyOwnerId = keyOwner.userId;
    await h.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: keyOwner.headers,
      payload: { name: 'reporting', scopes: ['users:read'] },
    });
    await api('POST', '/identity-providers', { kind: 'github', slug: 'github', clientId: 'gh-client', clientSecret: 'gh-secret' });
    // Five wrong passwords for Zoë from one address, before the overview is first computed (it is kept 30 s).
    for (let i = 0; i < 5; i++) {
      await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'zoe@example.com', password: 'not her password' } });
    }
    ui = await openConsole(h);
    page = ui.page;
    await ui.signIn('root@example.com', 'console admin passphrase');
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
  });

  const pages = (): [name: string, hash: string, heading: string | RegExp][] => [
    ['role', `access/${roleId}`, 'Role support'],
    ['user-access', `users/${zoeId}`, 'Zoë Müller'],
    ['plans', 'plans', 'Subscription plans'],
    ['providers', 'identity-providers', 'Sign-in providers'],
    ['import', 'import', 'Import users'],
  ];
  for (const width of consoleWidths) {
    it(`its pages at ${width} px: accessible (axe), no wider than the screen`, async () => {
      await ui.checkPages(width, pages());
      await ui.visit(`users/${zoeId}`, 'Zoë Müller');
      await page.getByRole('tab', { name: 'Access' }).click();
      await page.getByRole('heading', { name: 'Direct permissions' }).waitFor();
      await ui.checkPage('user-access-tab', width);
    }, 120_000);
  }

  it("3. access: a role's permissions are edited, a member added by email and removed", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await ui.visit('access', 'Access');
    await page.getByRole('link', { name: 'support' }).click();
    await page.getByRole('heading', { level: 1, name: 'Role support' }).waitFor();
    await page.getByRole('checkbox', { name: 'audit:read' }).check();
    await page.getByRole('button', { name: 'Save permissions' }).click();
    await page.getByText(/Permissions saved/).waitFor();
    expect((await api('GET', `/roles/${roleId}`)).body.permissions.sort()).toEqual(['audit:read', 'users:read']);

    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('dialog').getByLabel('Email of the user').fill('zoe@example.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('list', { name: 'Members of support' }).getByText('zoe@example.com', { exact: true }).waitFor();
    expect((await api('GET', `/users/${zoeId}/roles`)).body.data.map((r: { name: string }) => r.name)).toContain('support');

    await page.getByRole('button', { name: 'Remove zoe@example.com' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Nobody holds this role.').waitFor();
    expect((await api('GET', `/users/${zoeId}/roles`)).body.data.map((r: { name: string }) => r.name)).not.toContain('support');
  });

  it('2. users: a direct permission is granted until a date, explained, and revoked', async () => {
    await ui.visit(`users/${zoeId}`, 'Zoë Müller');
    await page.getByRole('tab', { name: 'Access' }).click();
    const form = page.getByRole('form', { name: 'Grant a permission' });
    await form.getByLabel('Permission to grant').selectOption('audit:read');
    await form.getByLabel('Expires (optional)').fill('2031-05-01T12:00');
    await form.getByRole('button', { name: 'Grant permission' }).click();
    await page.getByRole('list', { name: 'Direct permissions' }).getByText('audit:read', { exact: true }).waitFor();
    const granted = (await api('GET', `/users/${zoeId}/permissions`)).body.direct;
    expect(granted).toEqual([expect.objectContaining({ name: 'audit:read', expiresAt: expect.stringMatching(/^2031-05-01/) })]);
    const explained = page.getByRole('table', { name: 'Effective permissions explained' }).getByRole('row', { name: /audit:read/ });
    await expect(explained.textContent()).resolves.toMatch(/direct grant until/);

    await page.getByRole('button', { name: 'Revoke audit:read' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No permission granted directly.').waitFor();
    expect((await api('GET', `/users/${zoeId}/permissions`)).body.direct).toEqual([]);
  });

  it('3. access: plans are created and their features edited; a user is put on one and cancelled', async () => {
    await ui.visit('plans', 'Subscription plans');
    await page.getByRole('button', { name: 'New plan' }).click();
    const create = page.getByRole('dialog', { name: 'New plan' });
    await create.getByLabel('Name (capitals, e.g. TEAM)').fill('TEAM');
    await create.getByLabel('Features (one a line)').fill('sso\naudit-export');
    await create.getByRole('button', { name: 'Create plan' }).click();
    await page.getByRole('cell', { name: 'sso, audit-export' }).waitFor();
    await page.getByRole('button', { name: 'Edit TEAM' }).click();
    await page.getByRole('dialog').getByLabel('Features (one a line)').fill('sso, priority-support');
    await page.getByRole('dialog').getByRole('button', { name: 'Save plan' }).click();
    await page.getByRole('cell', { name: 'sso, priority-support' }).waitFor();

    await ui.visit(`users/${zoeId}`, 'Zoë Müller');
    await page.getByRole('tab', { name: 'Subscription' }).click();
    await page.getByText('No subscription.').waitFor();
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByRole('dialog').getByLabel('Plan').selectOption('TEAM');
    await page.getByRole('dialog').getByRole('button', { name: 'Save plan' }).click();
    await page.getByText('sso, priority-support', { exact: true }).waitFor();
    await ui.checkPage('user-subscription', 1280);
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel subscription' }).click();
    await page.locator('.status', { hasText: 'CANCELLED' }).waitFor();
    expect((await api('GET', `/users/${zoeId}/subscription`)).body).toMatchObject({ type: 'TEAM', status: 'CANCELLED' });
  });

  it('5. providers: a provider is tested and edited', async () => {
    await ui.visit('identity-providers', 'Sign-in providers');
    await page.getByRole('button', { name: 'Test github' }).click();
    await page.getByText('Reachable: sign-in goes to https://github.com/login/oauth/authorize').waitFor();
    await page.getByRole('button', { name: 'Edit github' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Display name').fill('GitHub (staff)');
    await dialog.getByLabel('Allowed email domains (empty: any)').fill('example.com');
    await dialog.getByRole('button', { name: 'Save provider' }).click();
    await page.getByText('GitHub (staff)').waitFor();
    const [github] = (await api('GET', '/identity-providers')).body.data;
    expect(github).toMatchObject({ displayName: 'GitHub (staff)', allowedDomains: ['example.com'], clientId: 'gh-client' });
  });

  it("2. users: the user's API keys are listed and one is revoked", async () => {
    await ui.visit(`users/${keyOwnerId}`, /./);
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByRole('list', { name: 'API keys' }).getByText('reporting', { exact: true }).waitFor();
    await ui.checkPage('user-api-keys', 1280);
    await page.getByRole('button', { name: 'Revoke reporting' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText(/No API key: the user has made none/).waitFor();
    expect((await api('GET', `/users/${keyOwnerId}/api-keys`)).body.data).toEqual([]);
  });

  it('6. import: a dry run, then the import with its progress until the summary', async () => {
    const rows = Array.from({ length: 1200 }, (_, index) => JSON.stringify({ email: `imported${index}@example.com` }));
    await ui.visit('import', 'Import users');
    await page.getByLabel('File (JSON Lines or CSV)').setInputFiles({
      name: 'people.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(`${rows.join('\n')}\n`),
    });
    await page.getByLabel(/Invite imported users/).uncheck();
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText('1200 to create', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('The import has finished.').waitFor({ timeout: 60_000 });
    await expect(page.getByRole('heading', { name: 'Imported' }).isVisible()).resolves.toBe(true);
    await expect(page.getByText(/1200 created/).isVisible()).resolves.toBe(true);
    expect(await page.locator('progress').evaluate((bar: HTMLProgressElement) => bar.value === bar.max)).toBe(true);
    await ui.checkPage('import-done', 1280);
    const found = await api('GET', '/users?search=imported1199');
    expect(found.body.data).toHaveLength(1);
  }, 90_000);

  it('an administrator who may only read sees no control for what they may not change, on every area they see', async () => {
    const reader = await loginAs(h, {
      email: 'reader@example.com',
      permissions: ['users:read', 'organizations:read', 'roles:read', 'subscriptions:read', 'tenants:all'],
    });
    await api('POST', '/organizations', { name: 'Read only' });
    // A tab of their own (its own session), beside the super-admin's.
    const tab = await ui.browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    await tab.goto(`${ui.baseUrl}/admin/`);
    await tab.getByLabel('Email or username').fill(reader.user.email);
    await tab.getByLabel('Password').fill(reader.user.password);
    await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
    const visitAs = async (hash: string, heading: string | RegExp) => {
      await tab.goto(`${ui.baseUrl}/admin/#/${hash}`);
      await tab.getByRole('heading', { level: 1, name: heading }).waitFor();
      await tab.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    };
    const buttons = () => tab.getByRole('main').getByRole('button').allTextContents();
    const writes =
      /^(New |Edit|Delete|Suspend|Reactivate|Restore|Erase|Export \(GDPR\)|Impersonate|Save|Grant|Revoke|End|Add member|Change plan|Remove|×)/;

    await visitAs('users', 'Users');
    await tab.getByText(/^\d+ users$/).waitFor();
    expect((await buttons()).filter((text) => writes.test(text))).toEqual([]);
    await visitAs(`users/${zoeId}`, 'Zoë Müller');
    expect((await buttons()).filter((text) => writes.test(text))).toEqual([]);
    // The fields they may read are shown, but not for typing in: every one of them disabled.
    const editable = (form: string) =>
      tab
        .getByRole('form', { name: form })
        .locator('input, select, textarea')
        .evaluateAll((fields) => fields.filter((field) => !field.matches(':disabled')).map((field) => field.getAttribute('name')));
    await expect(tab.getByLabel('Email').first().inputValue()).resolves.toContain('@');
    expect(await editable('Edit user')).toEqual([]);
    await tab.getByRole('tab', { name: 'Profile' }).click();
    await tab.getByRole('form', { name: 'Edit profile' }).waitFor();
    expect(await editable('Edit profile')).toEqual([]);
    expect(await editable('Organization and type')).toEqual([]);
    for (const width of consoleWidths) {
      await tab.setViewportSize({ width, height: 900 });
      await ui.checkPage('user-profile-read-only', width, tab);
    }
    await tab.setViewportSize({ width: 1280, height: 900 });
    await tab.getByRole('tab', { name: 'Access' }).click();
    await tab.getByRole('heading', { name: 'Direct permissions' }).waitFor();
    expect((await buttons()).filter((text) => writes.test(text))).toEqual([]);
    for (const width of consoleWidths) {
      await tab.setViewportSize({ width, height: 900 });
      await ui.checkPage('user-read-only', width, tab);
    }
    await visitAs('organizations', 'Organizations');
    await tab.getByRole('link', { name: 'Read only' }).waitFor();
    expect((await buttons()).filter((text) => writes.test(text))).toEqual([]);
    await expect(tab.getByRole('columnheader', { name: 'Actions' }).count()).resolves.toBe(0);
    await visitAs('access', 'Access');
    await tab.getByRole('link', { name: 'support' }).waitFor();
    expect((await buttons()).filter((text) => writes.test(text))).toEqual([]);
    await visitAs(`access/${roleId}`, 'Role support');
    expect((await buttons()).filter((text) => writes.test(text))).toEqual([]);
    await visitAs('plans', 'Subscription plans');
    expect((await buttons()).filter((text) => writes.test(text))).toEqual([]);
    await tab.close();
  }, 90_000);

  it('8. overview: failed sign-ins, the accounts behind them and those under sign-in waits', async () => {
    await ui.visit('overview', 'Overview');
    const figure = (label: string) =>
      page
        .locator('.figures div')
        .filter({ has: page.getByText(label, { exact: true }) })
        .locator('dd')
        .textContent();
    await expect(figure('Accounts under sign-in waits (last hour)')).resolves.toBe('1');
    await expect(figure('Accounts with failed sign-ins (30 days)')).resolves.toBe('1');
    await expect(figure('Failed sign-ins (30 days)')).resolves.toBe('5');
  });
});
