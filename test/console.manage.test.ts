import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditRows } from '../src/modules/audit/queries.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { apiAs, createOrganization, createUser, findRoleId, login } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, openConsole } from './helpers/console-browser.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

const ADMIN = { email: 'manager@example.com', password: 'console manager passphrase' };
/** Audit rows of past months, written as the app writes its own (the sealer chains them like any other). */
const PAST_ROWS = [
  { entityId: '11111111-0000-4000-8000-000000000001', createdAt: new Date('2025-01-10T12:00:00Z') },
  { entityId: '22222222-0000-4000-8000-000000000002', createdAt: new Date('2025-02-10T12:00:00Z') },
  { entityId: '33333333-0000-4000-8000-000000000003', createdAt: new Date('2025-03-10T12:00:00Z') },
];

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

// Deleting and removing from the console: a custom role (a system role offers no delete), an organization
// behind its typed slug, an invitation sent, resent and cancelled, a sign-in provider added and removed, the
// administrator's own API key revoked; and the audit log filtered by entity and dates. In Chromium, each new
// screen checked by axe-core at 1280 and 390 px; every effect read back through the API or the mail received.
describe.skipIf(!hasChromium)('admin console: delete, remove, revoke, cancel; audit filters', () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let ui: ConsoleBrowser;
  let page: Page;
  let api: ReturnType<typeof apiAs>;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      config: {
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        SIGNING_KEY_SECRET: 'ef'.repeat(32),
        // A committed mail wakes the outbox at once: no fast polling to crowd the test database.
        SMTP_URL: smtp.url,
        // One resend an hour per address: the second is refused, and the console must say so.
        MAX_EMAILS_PER_HOUR: '1',
      },
    });
    await h.app.modules.users.createSuperAdmin(systemCaller(), ADMIN);
    api = apiAs(h, await login(h, ADMIN.email, ADMIN.password));
    await insertAuditRows(
      h.context.database.primary,
      PAST_ROWS.map((row) => ({ action: 'organization.updated', entity: 'organization', ...row })),
    );
    ui = await openConsole(h);
    page = ui.page;
    await ui.signIn(ADMIN.email, ADMIN.password);
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
    await smtp?.close();
  });

  /** A page read afresh from the API: the console keeps what it fetched for a while. */
  async function visitFresh(hash: string, heading: string, width: number) {
    await page.setViewportSize({ width, height: 900 });
    await ui.visit(hash, heading);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  it('3. access: a custom role is deleted through its typed confirmation; a system role is protected, with no delete', async () => {
    const role = await api('POST', '/roles', { name: 'reviewers', permissions: ['audit:read'] });
    expect(role.status).toBe(201);
    const holder = await createUser(h, { roles: ['reviewers'] });
    await visitFresh('access', 'Access', 390);
    const roles = page.getByRole('list', { name: 'Roles' });
    const itemOf = (name: string) =>
      roles.getByRole('listitem').filter({ has: page.locator('strong', { hasText: new RegExp(`^${name}$`) }) });
    await itemOf('user').getByText('system', { exact: true }).waitFor();
    await expect(itemOf('user').getByRole('button').count()).resolves.toBe(0);

    await itemOf('reviewers').getByRole('button', { name: 'Delete reviewers' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the role reviewers?' });
    await expect(dialog.getByRole('button', { name: 'Delete role' }).isDisabled()).resolves.toBe(true);
    await dialog.getByLabel(/^Type reviewers to confirm/).fill('reviewers');
    await ui.checkAtEachWidth('role-delete');
    await dialog.getByRole('button', { name: 'Delete role' }).click();
    // While a dialog is open the page behind it is hidden from roles: wait for it to close first.
    await dialog.waitFor({ state: 'detached' });
    await itemOf('reviewers').waitFor({ state: 'detached' });
    expect((await api('GET', `/roles/${role.body.id}`)).status).toBe(404);
    const held = (await api('GET', `/users/${holder.id}/roles`)).body.data as { name: string }[];
    expect(held.map((one) => one.name)).toEqual([]);

    // The system role's own page says it is fixed and offers neither edit nor save; the API refuses a delete.
    const userRoleId = await findRoleId(h, 'user');
    await roles.getByRole('link', { name: 'user', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Role user' }).waitFor();
    await page.getByText('A system role of the preset: its name and permissions are fixed.').waitFor();
    await expect(page.getByRole('button', { name: /^(Edit role|Save permissions|Delete)/ }).count()).resolves.toBe(0);
    await ui.checkAtEachWidth('role-system');
    const refused = await api('DELETE', `/roles/${userRoleId}`);
    expect([refused.status, refused.body.code]).toEqual([409, 'SYSTEM_ROLE']);
  }, 60_000);

  it('4. organizations: deleted only once its slug is typed; a wrong slug keeps the button disabled and Enter refused', async () => {
    const admin = await login(h, ADMIN.email, ADMIN.password);
    const id = await createOrganization(h, admin, 'Doomed Co');
    const { slug } = (await api('GET', `/organizations/${id}`)).body as { slug: string };
    await visitFresh('organizations', 'Organizations', 1280);
    await page.getByRole('button', { name: 'Delete Doomed Co' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Doomed Co?' });
    const typed = dialog.getByLabel(new RegExp(`^Type ${slug} to confirm`));
    await typed.fill(`${slug}-not`);
    await expect(dialog.getByRole('button', { name: 'Delete organization' }).isDisabled()).resolves.toBe(true);
    await typed.press('Enter');
    await ui.checkAtEachWidth('organization-delete-wrong-slug');
    await expect(dialog.isVisible()).resolves.toBe(true);
    expect((await api('GET', `/organizations/${id}`)).status).toBe(200);

    await typed.fill(slug);
    await dialog.getByRole('button', { name: 'Delete organization' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Doomed Co' }).waitFor({ state: 'detached' });
    expect((await api('GET', `/organizations/${id}`)).status).toBe(404);
  }, 60_000);

  it('4. invitations: sent (the mail arrives), resent (a second mail, a new link), a refused resend shown, cancelled', async () => {
    const admin = await login(h, ADMIN.email, ADMIN.password);
    const organizationId = await createOrganization(h, admin, 'Invitees Inc');
    const email = 'invitee@example.com';
    const lookup = async (link: string | undefined) =>
      (await h.app.inject({ method: 'GET', url: `/invitations/lookup?token=${encodeURIComponent(tokenOf(link))}` })).statusCode;
    await visitFresh('invitations', 'Invitations', 390);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const send = page.getByRole('dialog', { name: 'Send an invitation' });
    await send.getByLabel('Email').fill(email);
    await send.getByLabel('Organization').selectOption({ label: 'Invitees Inc' });
    await ui.checkAtEachWidth('invitation-send');
    await send.getByRole('button', { name: 'Send' }).click();
    // Below 640 px the rows are cards, which are no table rows to the accessibility tree.
    const row = page.locator('tbody tr', { hasText: email });
    await row.getByText('PENDING', { exact: true }).waitFor();
    const first = await smtp.waitFor(email, /invited you/);
    expect(await lookup(first.link)).toBe(200);
    const [sent] = (await api('GET', `/invitations?email=${encodeURIComponent(email)}`)).body.data as { id: string }[];
    expect(sent).toMatchObject({ organizationId, status: 'PENDING' });

    smtp.inbox.length = 0;
    await row.getByRole('button', { name: 'Resend' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Invitation to ${email} sent again.` })
      .waitFor();
    const second = await smtp.waitFor(email, /invited you/);
    expect(tokenOf(second.link)).not.toBe(tokenOf(first.link));
    expect([await lookup(first.link), await lookup(second.link)]).toEqual([400, 200]);

    // The address's hourly cap is spent: the refusal is shown, and the link mailed last still works.
    await row.getByRole('button', { name: 'Resend' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /too many|try again/i })
      .waitFor();
    await ui.checkAtEachWidth('invitation-resend-refused');
    expect(await lookup(second.link)).toBe(200);

    await row.getByRole('button', { name: 'Cancel invitation' }).click();
    const cancel = page.getByRole('dialog', { name: `Cancel the invitation to ${email}?` });
    await ui.checkAtEachWidth('invitation-cancel');
    await cancel.getByRole('button', { name: 'Cancel invitation' }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Invitation status').selectOption('CANCELLED');
    await row.getByText('CANCELLED', { exact: true }).waitFor();
    await ui.checkAtEachWidth('invitations-cancelled');
    expect((await api('GET', `/invitations/${sent?.id}`)).body.status).toBe('CANCELLED');
    expect(await lookup(second.link)).toBe(400);
  }, 60_000);

  it('5. providers: one is added with its callback URL shown to copy, then removed behind its typed slug', async () => {
    await visitFresh('identity-providers', 'Sign-in providers', 1280);
    await page.getByText('No sign-in provider: people sign in with a password.').waitFor();
    await page.getByRole('button', { name: 'Add provider' }).click();
    const add = page.getByRole('dialog', { name: 'Add a sign-in provider' });
    await add.getByLabel('Kind').selectOption('microsoft');
    await add.getByLabel('Display name').fill('Microsoft Entra');
    await add.getByLabel('Directory (tenant) ID').fill(TENANT);
    await add.getByLabel('Client ID').fill('entra-client');
    await add.getByLabel('Client secret').fill('entra-secret');
    await ui.checkAtEachWidth('provider-add');
    await add.getByRole('button', { name: 'Add provider' }).click();
    const item = page.getByRole('list', { name: 'Sign-in providers' }).getByRole('listitem').filter({ hasText: 'Microsoft Entra' });
    await item.waitFor();
    const [added] = (await api('GET', '/identity-providers')).body.data as { id: string; slug: string; callbackUrl: string }[];
    expect(added).toMatchObject({ slug: 'microsoft', kind: 'microsoft', clientId: 'entra-client', source: 'database' });
    expect((await api('GET', `/identity-providers/${added?.id}`)).body.issuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    await expect(item.locator('code').textContent()).resolves.toBe(added?.callbackUrl);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await item.getByRole('button', { name: 'Copy callback URL' }).click();
    await item.getByRole('status').filter({ hasText: 'Copied.' }).waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(added?.callbackUrl);
    await ui.checkAtEachWidth('provider-added');

    await item.getByRole('button', { name: 'Remove microsoft' }).click();
    const remove = page.getByRole('dialog', { name: 'Remove Microsoft Entra?' });
    await expect(remove.getByRole('button', { name: 'Remove provider' }).isDisabled()).resolves.toBe(true);
    await remove.getByLabel(/^Type microsoft to confirm/).fill('microsoft');
    await ui.checkAtEachWidth('provider-remove');
    await remove.getByRole('button', { name: 'Remove provider' }).click();
    await page.getByText('No sign-in provider: people sign in with a password.').waitFor();
    expect((await api('GET', `/identity-providers/${added?.id}`)).status).toBe(404);
  }, 60_000);

  it("5. API keys: the administrator's own key is created, shown once, works, and answers 401 once revoked", async () => {
    await visitFresh('api-keys', 'My API keys', 390);
    await page.getByRole('button', { name: 'New API key' }).click();
    const create = page.getByRole('dialog', { name: 'New API key' });
    await create.getByLabel('Name').fill('deploy');
    await create.getByLabel('users:read', { exact: true }).check();
    await create.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('.secret').textContent()) ?? '';
    expect(key).toMatch(/^tsk_/);
    await ui.checkAtEachWidth('api-key-shown');
    const withKey = () => h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': key } });
    expect((await withKey()).statusCode).toBe(200);
    const [listed] = (await api('GET', '/auth/api-keys')).body.data as { name: string; scopes: string[] }[];
    expect(listed).toMatchObject({ name: 'deploy', scopes: ['users:read'] });

    await page.getByRole('button', { name: 'Revoke deploy' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke deploy?' });
    await ui.checkAtEachWidth('api-key-revoke');
    await revoke.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('No API key yet.').waitFor();
    // The revoked key is not offered for copying any more.
    await expect(page.locator('.secret').count()).resolves.toBe(0);
    expect((await withKey()).statusCode).toBe(401);
    expect((await api('GET', '/auth/api-keys')).body.data).toEqual([]);
  }, 60_000);

  it('7. audit: filtered by entity, then by a date range: rows outside are gone, rows inside remain', async () => {
    await visitFresh('audit', 'Audit log', 1280);
    const table = page.getByRole('table', { name: 'Audit log' });
    const entities = () => table.locator('td[data-label="Entity"]').allTextContents();
    const filters = page.getByRole('form', { name: 'Filter the audit log' });
    const everything = (await api('GET', '/audit-logs?limit=100')).body.data as { entity: string }[];
    expect(everything.some((row) => row.entity !== 'organization')).toBe(true);

    await filters.getByLabel('Entity').fill('organization');
    await filters.getByRole('button', { name: 'Filter' }).click();
    const organizationRows = (await api('GET', '/audit-logs?entity=organization&limit=100')).body.data as unknown[];
    await page.getByText(`${organizationRows.length} rows shown`).waitFor();
    const shown = await entities();
    expect(shown).toHaveLength(organizationRows.length);
    // Organizations that exist are shown by name; these rows point to none, so they show their ids' random end.
    for (const row of PAST_ROWS) expect(shown).toContain(`organization …${row.entityId.slice(-8)}`);

    await filters.getByLabel('From', { exact: true }).fill('2025-02-01');
    await filters.getByLabel('To', { exact: true }).fill('2025-02-28');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('1 row shown').waitFor();
    expect(await entities()).toEqual([`organization …${PAST_ROWS[1]?.entityId.slice(-8)}`]);
    await ui.checkAtEachWidth('audit-entity-dates');
    const inRange = await api('GET', '/audit-logs?entity=organization&from=2025-02-01T00:00:00.000Z&to=2025-02-28T23:59:59.999Z');
    expect((inRange.body.data as { entityId: string }[]).map((row) => row.entityId)).toEqual([PAST_ROWS[1]?.entityId]);
  }, 60_000);
});
