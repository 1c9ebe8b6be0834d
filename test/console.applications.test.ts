import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { login } from './helpers/auth.js';
import { type ChromiumSession, chromiumSession, hasChromium } from './helpers/chromium.js';
import { saveScreen } from './helpers/console-browser.js';
import { registerApplication } from './helpers/oidc.js';
import { checkPage, widths } from './helpers/pages.js';

const ADMIN = { email: 'apps-admin@example.com', password: 'applications admin passphrase' };

// The console's Applications page in Debian's Chromium against the real app: create (the secret shown once),
// edit, rotate the secret, delete; accessible (axe-core) and no wider than the screen at 1280 and 390 px.
describe.skipIf(!hasChromium)('admin console: applications', () => {
  let h: Harness;
  let browser: ChromiumSession;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    await h.app.modules.users.createSuperAdmin(systemCaller(), ADMIN);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = chromiumSession();
    // axe-core is injected as an inline script, which the console's Content-Security-Policy refuses otherwise.
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    await page.goto(`${baseUrl}/admin/`);
    await page.getByLabel('Email or username').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  /** The page loaded afresh (the console keeps lists it fetched for a while; some rows here come from the API). */
  async function visitApplications() {
    await page.goto(`${baseUrl}/admin/#/applications`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor();
  }

  /** Whether the token endpoint's client authentication accepts this secret (introspection answers 200 only then). */
  async function secretWorks(clientId: string, secret: string) {
    const res = await fetch(`${baseUrl}/oidc/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      },
      body: 'token=not-a-token',
    });
    return res.status === 200;
  }

  it('creates a web application with its secret shown once, edits its redirect URIs, rotates its secret and deletes it', async () => {
    await visitApplications();
    await page.getByText('No application yet').waitFor();
    await page.getByRole('button', { name: 'New application' }).click();
    const create = page.getByRole('dialog', { name: 'New application' });
    await create.getByLabel('Name').fill('Team wiki');
    await create.getByLabel(/^Redirect URIs/).fill('https://wiki.example/callback');
    await create.getByLabel('offline_access').check();
    await create.getByLabel(/First party/).check();
    await create.getByRole('button', { name: 'Create application' }).click();
    const secret = (await page.locator('.notice .secret').last().textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(20);

    const admin = await login(h, ADMIN.email, ADMIN.password);
    const listed = (await h.app.inject({ method: 'GET', url: '/applications', headers: admin.headers })).json().data;
    expect(listed).toHaveLength(1);
    const [app] = listed;
    expect(app).toMatchObject({ name: 'Team wiki', kind: 'web', firstParty: true, redirectUris: ['https://wiki.example/callback'] });
    expect(app.scopes).toEqual(expect.arrayContaining(['openid', 'email', 'profile', 'offline_access']));
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(await secretWorks(app.clientId, secret)).toBe(true);

    await page.getByRole('button', { name: 'Edit Team wiki' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Team wiki' });
    await edit.getByLabel(/^Redirect URIs/).fill('https://wiki.example/callback\nhttps://wiki.example/oidc');
    await edit.getByLabel('phone').check();
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: /wiki\.example\/oidc/ }).waitFor();
    const edited = (await h.app.inject({ method: 'GET', url: `/applications/${app.id}`, headers: admin.headers })).json();
    expect(edited.redirectUris).toEqual(['https://wiki.example/callback', 'https://wiki.example/oidc']);
    expect(edited.scopes).toContain('phone');

    await page.getByRole('button', { name: 'Rotate secret of Team wiki' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText(/The previous secret works until/).waitFor();
    const rotated = (await page.locator('.notice .secret').last().textContent()) ?? '';
    expect(rotated).not.toBe(secret);
    expect(await secretWorks(app.clientId, rotated)).toBe(true);
    // The previous secret keeps working through its grace period.
    expect(await secretWorks(app.clientId, secret)).toBe(true);

    await page.getByRole('button', { name: 'Delete Team wiki' }).click();
    const remove = page.getByRole('dialog');
    await remove.getByLabel(/to confirm/).fill('Team wiki');
    await remove.getByRole('button', { name: 'Delete application' }).click();
    await page.getByText('No application yet').waitFor();
    expect(await secretWorks(app.clientId, rotated)).toBe(false);
  }, 120_000);

  it('creates a single-page application without a secret, a refused redirect URI named whole', async () => {
    await visitApplications();
    await page.getByRole('button', { name: 'New application' }).click();
    const create = page.getByRole('dialog', { name: 'New application' });
    await create.getByLabel('Kind').selectOption('spa');
    await create.getByLabel('Name').fill('Dashboard');
    // A line is one URI: the refusal names all of it, not its first word.
    await create.getByLabel(/^Redirect URIs/).fill('http://dashboard.example/sign in');
    await create.getByRole('button', { name: 'Create application' }).click();
    await expect(create.getByRole('alert').textContent()).resolves.toMatch(/: http:\/\/dashboard\.example\/sign in\b/);
    await create.getByLabel(/^Redirect URIs/).fill('https://dashboard.example/');
    await create.getByRole('button', { name: 'Create application' }).click();
    await page.getByText(/No secret: this kind of app signs in with PKCE/).waitFor();
    await page.getByRole('cell', { name: 'spa' }).waitFor();
  }, 60_000);

  for (const width of widths) {
    it(`is accessible (axe) and no wider than the screen at ${width} px, with its dialog open too`, async () => {
      const admin = await login(h, ADMIN.email, ADMIN.password);
      await registerApplication(h, admin, { name: `Reports ${width}`, kind: 'service', scopes: ['users:read'] });
      await page.setViewportSize({ width, height: 900 });
      await visitApplications();
      await page.getByText(`Reports ${width}`, { exact: true }).waitFor();
      await checkPage(page);
      await saveScreen(page, 'applications', width);
      await page.getByRole('button', { name: 'New application' }).click();
      await page.getByRole('dialog', { name: 'New application' }).waitFor();
      await checkPage(page);
      await saveScreen(page, 'applications-new', width);
      await page.keyboard.press('Escape');
    }, 60_000);
  }
});
