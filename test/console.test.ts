import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userIdentities } from '../src/db/schema/index.js';
import { consoleDir } from '../src/http/console.js';
import { insertUserWithProfile } from '../src/modules/users/queries.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { hasChromium, launchChromium } from './helpers/chromium.js';

// The console in a real browser (Debian's Chromium) against the real app on a real port.
describe.skipIf(!hasChromium)('admin console', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    if (!existsSync(`${consoleDir}index.html`)) spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
    h = await createHarness();
    await h.app.modules.users.createSuperAdmin(systemCaller(), {
      email: 'console-admin@example.com',
      password: 'console admin passphrase',
    });
    for (const [email, firstName, lastName] of [
      ['zoe.muller@example.com', 'Zoë', 'Müller'],
      ['ana.silva@example.com', 'Ana', 'Silva'],
    ] as const) {
      const user = await insertUserWithProfile(h.context.database.primary, { email, firstName, lastName, status: 'ACTIVE' });
      // Zoë signs in with GitHub too: the user page lists her identity.
      if (firstName === 'Zoë') {
        await h.context.database.primary
          .insert(userIdentities)
          .values({ userId: user.id, provider: 'github', subject: '4242', email: 'zoe@github.example', emailVerified: true });
      }
    }
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('refuses a wrong password and signs an admin in', async () => {
    await page.goto(`${baseUrl}/admin/`);
    await page.getByLabel('Email').fill('console-admin@example.com');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBeTruthy();
    await page.getByLabel('Password').fill('console admin passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Users/ }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 3);
    await expect(page.getByRole('heading', { name: /Users/ }).textContent()).resolves.toBe('Users (3)');
  });

  it('searches users accent-insensitively', async () => {
    await page.getByLabel('Search users').fill('muller');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('zoe.muller@example.com');
  });

  it('opens a user and suspends them with a reason', async () => {
    page.once('dialog', (dialog) => dialog.accept('Chargeback under review'));
    await page.getByRole('link', { name: 'zoe.muller@example.com' }).click();
    await page.getByRole('heading', { name: 'Zoë Müller' }).waitFor();
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    expect(await page.locator('.status').first().textContent()).toBe('SUSPENDED');
  });

  it("lists a user's linked identities and unlinks one", async () => {
    const identities = page.getByRole('table', { name: 'Linked identities' });
    await identities.waitFor();
    await expect(identities.textContent()).resolves.toContain('zoe@github.example');
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Unlink github' }).click();
    await page.getByText(/No linked identities/).waitFor();
  });

  it('keeps the session across a reload and shows the audit log', async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByText(/Hash chain intact/).waitFor();
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${consoleDir}../../.test-data/console.png` });
  });
});
