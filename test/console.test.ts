import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userIdentities } from '../src/db/schema/index.js';
import { insertUserWithProfile } from '../src/modules/users/queries.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, login } from './helpers/auth.js';
import { type ChromiumSession, hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, openConsole, consoleWidths as widths } from './helpers/console-browser.js';

// The console in a real browser (Debian's Chromium) against the real app on a real port: every area at
// 1280 and 390 px, each page checked by axe-core (no serious or critical violation) and for overflow.
describe.skipIf(!hasChromium)('admin console', () => {
  let h: Harness;
  let browser: ChromiumSession;
  let page: Page;
  let baseUrl: string;
  let ui: ConsoleBrowser;
  let zoeId: string;
  let orgId: string;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    await h.app.modules.users.createSuperAdmin(systemCaller(), {
      email: 'console-admin@example.com',
      password: 'console admin passphrase',
    });
    const admin = await login(h, 'console-admin@example.com', 'console admin passphrase');
    orgId = await createOrganization(h, admin, 'Acme Learning');
    for (const [email, firstName, lastName] of [
      ['zoe.muller@example.com', 'Zoë', 'Müller'],
      ['ana.silva@example.com', 'Ana', 'Silva'],
    ] as const) {
      const user = await insertUserWithProfile(h.context.database.primary, {
        email,
        firstName,
        lastName,
        status: 'ACTIVE',
        organizationId: orgId,
      });
      if (firstName === 'Zoë') {
        zoeId = user.id;
        await h.context.database.primary
          .insert(userIdentities)
          .values({ userId: user.id, provider: 'github', subject: '4242', email: 'zoe@github.example', emailVerified: true });
      }
    }
    await h.app.inject({
      method: 'POST',
      url: `/organizations/${orgId}/invitations`,
      headers: admin.headers,
      payload: { email: 'newcomer@example.com' },
    });
    ui = await openConsole(h);
    ({ browser, page, baseUrl } = ui);
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
  });
  const checkPage = (name: string, width: number) => ui.checkPage(name, width);
  const visit = (hash: string, heading: string | RegExp) => ui.visit(hash, heading);

  it('1. session: refuses a wrong password, signs an admin in, keeps the session across a reload', async () => {
    await page.goto(`${baseUrl}/admin/`);
    await checkPage('sign-in', 1280);
    await page.getByLabel('Email or username').fill('console-admin@example.com');
    await page.getByLabel('Password').fill('not the password');
    // Refused, the form's button (disabled while it was sent) loses the focus: it goes to the problem, each time.
    for (let attempt = 0; attempt < 2; attempt++) {
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'alert');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBeTruthy();
    }
    await page.getByLabel('Password').fill('console admin passphrase');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.title()).toBe('Overview · Tessera console');
  });

  const pages: [name: string, hash: string, heading: string | RegExp][] = [
    ['overview', 'overview', 'Overview'],
    ['users', 'users', 'Users'],
    ['user', 'users/:zoe', 'Zoë Müller'],
    ['access', 'access', 'Access'],
    ['organizations', 'organizations', 'Organizations'],
    ['organization-members', 'organizations/:org', /Members of/],
    ['invitations', 'invitations', 'Invitations'],
    ['identity-providers', 'identity-providers', 'Sign-in providers'],
    ['import', 'import', 'Import users'],
    ['audit', 'audit', 'Audit log'],
    ['api-keys', 'api-keys', 'My API keys'],
  ];
  for (const width of widths) {
    it(`every page at ${width} px: accessible (axe), no wider than the screen`, async () => {
      await ui.checkPages(
        width,
        pages.map(([name, hash, heading]) => [name, hash.replace(':zoe', zoeId).replace(':org', orgId), heading]),
      );
    }, 120_000);
  }

  it('8. overview: figures and charts from the statistics endpoint', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await visit('overview', 'Overview');
    const total = page.locator('.figures div', { hasText: 'Total users' }).locator('dd');
    await expect(total.textContent()).resolves.toBe('3');
    expect(await page.locator('.recharts-surface').count()).toBeGreaterThanOrEqual(2);
  });

  it('2. users: searches accent-insensitively, creates a user, suspends one with a reason in a dialog', async () => {
    await visit('users', 'Users');
    await page.getByLabel('Search users').fill('muller');
    // The console reads everything again as the new organization's token: the switcher shows it active.
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('zoe.muller@example.com');

    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('Email').fill('grace.hopper@example.com');
    await dialog.getByLabel('First name').fill('Grace');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { level: 1, name: 'Grace' }).waitFor();

    await visit(`users/${zoeId}`, 'Zoë Müller');
    await page.getByRole('button', { name: 'Suspend' }).click();
    const suspend = page.getByRole('dialog');
    await suspend.getByLabel('Reason for the suspension').fill('Chargeback under review');
    await suspend.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    expect(await page.locator('.status').first().textContent()).toBe('SUSPENDED');
  });

  it("2. users: unlinks a user's linked identity after confirming", async () => {
    await page.getByRole('tab', { name: 'Identities' }).click();
    await page.getByRole('button', { name: 'Unlink github' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await page.getByText(/No linked identities/).waitFor();
  });

  it('3. access: creates a role and shows it in the permission matrix', async () => {
    await visit('access', 'Access');
    await page.getByRole('button', { name: 'New role' }).click();
    const dialog = page.getByRole('dialog', { name: 'New role' });
    await dialog.getByLabel('Name').fill('support');
    await dialog.getByLabel('users:impersonate').check();
    await dialog.getByRole('button', { name: 'Create role' }).click();
    await page
      .getByRole('list', { name: 'Roles' })
      .locator('strong', { hasText: /^support$/ })
      .waitFor();
    await page.getByRole('tab', { name: 'Permission matrix' }).click();
    expect(await page.getByRole('checkbox', { name: 'support: users:impersonate' }).isChecked()).toBe(true);
  });

  it('4. organizations and invitations: creates an organization, lists the pending invitation', async () => {
    await visit('organizations', 'Organizations');
    await page.getByRole('button', { name: 'New organization' }).click();
    await page.getByRole('dialog').getByLabel('Name', { exact: true }).fill('Globex');
    await page.getByRole('dialog').getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('link', { name: 'Globex' }).waitFor();
    await visit('invitations', 'Invitations');
    await page.getByRole('cell', { name: 'newcomer@example.com' }).waitFor();
  });

  it('4. organizations: an organization page lists members with their roles; an admin in two switches in the header', async () => {
    const admin = await login(h, 'console-admin@example.com', 'console admin passphrase');
    const adminId = (await h.app.inject({ method: 'GET', url: '/auth/me', headers: admin.headers })).json().id as string;
    const second = await createOrganization(h, admin, 'Initech');
    const join = (organizationId: string, userId: string) =>
      h.app.inject({
        method: 'POST',
        url: `/organizations/${organizationId}/members`,
        headers: admin.headers,
        payload: { userId, roleIds: ['user'] },
      });
    for (const [organizationId, userId] of [
      [orgId, zoeId],
      [orgId, adminId],
      [second, adminId],
    ] as const) {
      expect((await join(organizationId, userId)).statusCode).toBe(201);
    }
    await page.reload();
    const switcher = page.getByRole('combobox', { name: 'Organization' });
    await switcher.selectOption({ label: 'Initech' });
    // The console reads everything again as the new organization's token: the switcher shows it active.
    await page.waitForFunction(
      () => (document.querySelector('.org-switcher select') as HTMLSelectElement | null)?.selectedOptions[0]?.text === 'Initech',
    );
    await visit(`organizations/${orgId}`, /Members of/);
    const zoe = page.getByRole('row').filter({ hasText: 'zoe.muller@example.com' });
    await zoe.getByRole('cell', { name: 'user', exact: true }).waitFor();
    await zoe.getByRole('cell', { name: 'ACTIVE', exact: true }).waitFor();
  });

  /** The API as the console's administrator, to read what the console did. */
  async function adminApi(method: 'GET' | 'POST', url: string, payload?: object) {
    const admin = await login(h, 'console-admin@example.com', 'console admin passphrase');
    const res = await h.app.inject({ method, url, headers: admin.headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() };
  }

  for (const width of widths) {
    it(`4. organizations: an organization is edited, its fields checked against the API's schema, at ${width} px`, async () => {
      const created = await adminApi('POST', '/organizations', { name: `Umbrella ${width}` });
      expect(created.status).toBe(201);
      const id = created.body.organization.id as string;
      await page.setViewportSize({ width, height: 900 });
      await visit('organizations', 'Organizations');
      await page.reload();
      await page.getByRole('button', { name: `Edit Umbrella ${width}` }).click();
      const edit = page.getByRole('dialog', { name: `Edit Umbrella ${width}` });
      await edit.getByLabel('Slug').fill('Not A Slug');
      await edit.getByLabel('Primary colour (optional)').fill('blue');
      await edit.getByLabel('Description (optional)').focus();
      await edit.getByText('Not in the form required (#rrggbb).').waitFor();
      await expect(edit.getByLabel('Slug').getAttribute('aria-invalid')).resolves.toBe('true');
      await checkPage('organization-edit-problems', width);
      await edit.getByRole('button', { name: 'Save organization' }).click();
      await edit.getByText('Correct the fields marked before saving.').waitFor();
      expect((await adminApi('GET', `/organizations/${id}`)).body.slug).not.toBe('Not A Slug');

      await edit.getByLabel('Slug').fill(`umbrella-${width}`);
      await edit.getByLabel('Primary colour (optional)').fill('#0a6cff');
      await edit.getByLabel('Description (optional)').fill('Pharmaceuticals');
      await edit.getByLabel('Second factors for its members').selectOption('required');
      await edit.getByLabel('Status').selectOption('SUSPENDED');
      await edit.getByRole('button', { name: 'Save organization' }).click();
      await page
        .getByRole('row')
        .filter({ hasText: `umbrella-${width}` })
        .getByText('SUSPENDED')
        .waitFor();
      expect((await adminApi('GET', `/organizations/${id}`)).body).toMatchObject({
        slug: `umbrella-${width}`,
        description: 'Pharmaceuticals',
        mfa: 'required',
        status: 'SUSPENDED',
        brandPrimaryColor: '#0a6cff',
      });
    });

    it(`3. access: a user type is created (checked against the schema first), renamed and deleted at ${width} px`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await visit('access', 'Access');
      await page.getByRole('tab', { name: 'User types' }).click();
      await page.getByRole('button', { name: 'New user type' }).click();
      const create = page.getByRole('dialog', { name: 'New user type' });
      await create.getByLabel('Name').fill(`Teacher ${width}`);
      await create.getByLabel('Description (optional)').fill('x'.repeat(501));
      await create.getByRole('button', { name: 'Create user type' }).click();
      await create.getByText('Correct the fields marked before saving.').waitFor();
      await expect(create.getByLabel('Description (optional)').getAttribute('aria-invalid')).resolves.toBe('true');
      await checkPage('user-type-problems', width);
      await create.getByLabel('Description (optional)').fill('Runs classes');
      await create.getByRole('button', { name: 'Create user type' }).click();
      const list = page.getByRole('list', { name: 'User types' });
      await list.getByText(`Teacher ${width}`, { exact: true }).waitFor();

      await list.getByRole('button', { name: `Edit Teacher ${width}` }).click();
      const edit = page.getByRole('dialog', { name: `Edit Teacher ${width}` });
      await edit.getByLabel('Name').fill(`Tutor ${width}`);
      await edit.getByRole('button', { name: 'Save user type' }).click();
      await list.getByText(`Tutor ${width}`, { exact: true }).waitFor();
      const saved = (await adminApi('GET', '/user-types')).body.data as { name: string; description: string | null }[];
      expect(saved).toContainEqual(expect.objectContaining({ name: `Tutor ${width}`, description: 'Runs classes' }));

      await list.getByRole('button', { name: `Delete Tutor ${width}` }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete user type' }).click();
      await list.getByText(`Tutor ${width}`, { exact: true }).waitFor({ state: 'detached' });
    });

    it(`2. users: deleted with a typed confirmation, restored, sent a reset link, exported (GDPR) and erased at ${width} px`, async () => {
      const person = await createUser(h, {
        roles: ['user'],
        email: `leaving-${width}@example.com`,
        firstName: 'Lea',
        lastName: `Ving ${width}`,
      });
      await page.setViewportSize({ width, height: 900 });
      await visit(`users/${person.id}`, `Lea Ving ${width}`);
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const remove = page.getByRole('dialog', { name: `Delete ${person.email}?` });
      // The confirmation waits for the word typed.
      await expect(remove.getByRole('button', { name: 'Delete' }).isDisabled()).resolves.toBe(true);
      await remove.getByLabel(/^Type delete to confirm/).fill('delete');
      await checkPage('user-delete', width);
      await remove.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('button', { name: 'Restore' }).click();
      await page.getByRole('button', { name: 'Delete', exact: true }).waitFor();
      expect((await adminApi('GET', `/users/${person.id}`)).body.status).toBe('ACTIVE');

      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText(`A password reset link was mailed to ${person.email}.`).waitFor();
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export (GDPR)' }).click()]);
      expect(file.suggestedFilename()).toBe(`user-${person.id}.json`);
      expect(readFileSync((await file.path()) as string, 'utf8')).toContain(person.email);

      await page.getByRole('button', { name: 'Erase' }).click();
      const erase = page.getByRole('dialog', { name: `Erase ${person.email} for good?` });
      await erase.getByLabel(/^Type .* to confirm/).fill(person.email);
      await erase.getByRole('button', { name: 'Erase' }).click();
      await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
      expect((await adminApi('GET', `/users/${person.id}`)).body.email).not.toBe(person.email);
    });

    it(`9. impersonation: a banner while acting as a person, who sees the session; stop returns to the admin, at ${width} px`, async () => {
      const person = await createUser(h, {
        roles: ['user'],
        email: `helped-${width}@example.com`,
        firstName: 'Hel',
        lastName: `Ped ${width}`,
      });
      await page.setViewportSize({ width, height: 900 });
      await visit(`users/${person.id}`, `Hel Ped ${width}`);
      await page.getByRole('button', { name: 'Impersonate' }).click();
      const start = page.getByRole('dialog', { name: `Act as ${person.email}?` });
      await start.getByLabel('Reason (recorded in the audit log)').fill(`Ticket ${width}`);
      await start.getByRole('button', { name: 'Start impersonating' }).click();
      const banner = page.locator('.banner', { hasText: `Acting as ${person.email}` });
      await banner.waitFor();
      await page.locator('.who', { hasText: person.email }).waitFor();
      await checkPage('impersonating', width);
      const sessions = (await adminApi('GET', `/users/${person.id}/sessions`)).body.data as { impersonatedBy?: { reason: string } }[];
      expect(sessions.map((session) => session.impersonatedBy?.reason)).toContain(`Ticket ${width}`);

      await banner.getByRole('button', { name: 'Stop impersonating' }).click();
      await page.locator('.who', { hasText: 'console-admin@example.com' }).waitFor();
      await expect(page.locator('.banner').count()).resolves.toBe(0);
      await visit(`users/${person.id}`, `Hel Ped ${width}`);
    });
  }

  it('5. API keys: creates a key shown once', async () => {
    await visit('api-keys', 'My API keys');
    await page.getByRole('button', { name: 'New API key' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('ci');
    await page.getByRole('dialog').getByLabel('users:read').check();
    await page.getByRole('dialog').getByRole('button', { name: 'Create key' }).click();
    await expect(page.locator('.secret').textContent()).resolves.toMatch(/^tsk_/);
  });

  it('6. import: a dry run lists each invalid line', async () => {
    await visit('import', 'Import users');
    await page.getByLabel('File (JSON Lines or CSV)').setInputFiles({
      name: 'people.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(`${JSON.stringify({ email: 'ok.person@example.com' })}\n${JSON.stringify({ email: 'not-an-email' })}\n`),
    });
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page
      .getByRole('list', { name: 'Invalid lines' })
      .getByText(/Line 2/)
      .waitFor();
  });

  it('7. audit: chain status, names for ids and the detail drawer', async () => {
    await visit('audit', 'Audit log');
    await page.getByText(/Hash chain intact: \d+ sealed rows checked, \d+ newer rows waiting for the next seal/).waitFor();
    // Filtered by the actor's email (not an id) and the action; the rows shown are what the exports hold.
    const filters = page.getByRole('form', { name: 'Filter the audit log' });
    await filters.getByLabel('Actor (email or id)').fill('nobody@example.com');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('alert').filter({ hasText: 'No user has the email nobody@example.com.' }).waitFor();
    await filters.getByLabel('Actor (email or id)').fill('console-admin@example.com');
    await filters.getByLabel('Action').fill('user.suspended');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('1 row shown').waitFor();
    const exported = async (button: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), filters.getByRole('button', { name: button }).click()]);
      return readFileSync((await file.path()) as string, 'utf8');
    };
    const csv = (await exported('Export CSV')).trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain('user.suspended');
    const json = JSON.parse(await exported('Export JSON')) as { action: string; entityId: string }[];
    expect(json).toEqual([expect.objectContaining({ action: 'user.suspended', entityId: zoeId })]);
    // The earlier tests wrote more rows than a page holds: the filtered row shows names and opens the drawer.
    await page.getByRole('link', { name: 'zoe.muller@example.com' }).first().waitFor();
    await page.getByRole('button', { name: 'user.suspended' }).first().click();
    await page.getByRole('dialog').getByText('Chargeback under review').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    for (const width of widths) {
      await page.setViewportSize({ width, height: 900 });
      await checkPage('audit-filtered', width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    // An organization is named and linked too, not shown as the start of its id (a UUIDv7's timestamp).
    await filters.getByLabel('Actor (email or id)').fill('');
    await filters.getByLabel('Action').fill('organization.created');
    await filters.getByRole('button', { name: 'Filter' }).click();
    const acme = page.getByRole('link', { name: 'Acme Learning' }).first();
    await expect(acme.getAttribute('href')).resolves.toMatch(/^#\/organizations\/[0-9a-f-]{36}$/);
  });

  it('1. session: a person without administrative permissions is told the console is for administrators', async () => {
    const person = await createUser(h, { roles: ['user'], email: 'learner@example.com' });
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const other = await context.newPage();
    await other.goto(`${baseUrl}/admin/`);
    await other.getByLabel('Email or username').fill(person.email);
    await other.getByLabel('Password').fill(person.password);
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await other.getByRole('heading', { level: 1, name: 'For administrators' }).waitFor();
    expect(await other.title()).toBe('For administrators · Tessera console');
    await context.close();
  });

  for (const width of widths) {
    it(`1. session: ended elsewhere, the console goes back to sign-in and says so, at ${width} px`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await visit('users', 'Users');
      const admin = await login(h, 'console-admin@example.com', 'console admin passphrase');
      const adminId = (await h.app.inject({ method: 'GET', url: '/auth/me', headers: admin.headers })).json().id as string;
      const ended = await h.app.inject({ method: 'DELETE', url: `/users/${adminId}/sessions`, headers: admin.headers });
      expect(ended.statusCode).toBe(204);
      // The next request is refused, the one renewal attempt fails: the sign-in page tells why.
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('status').filter({ hasText: 'Your session has ended. Sign in again.' }).waitFor();
      await checkPage('session-ended', width);
      await ui.signIn('console-admin@example.com', 'console admin passphrase');
    });
  }
});
