import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { login, loginAs } from './helpers/auth.js';
import { seriousAxeViolations } from './helpers/axe.js';
import { type ChromiumSession, chromiumSession, hasChromium } from './helpers/chromium.js';
import { consoleWidths, saveScreen } from './helpers/console-browser.js';
import { stepAt, totpCode } from './helpers/totp.js';

// The console's user page in Debian's Chromium: a person's second factors (kinds and dates, never a secret)
// and an administrator's reset of them, checked by axe-core at both widths.
describe.skipIf(!hasChromium)('console: second factors on the user page', () => {
  let h: Harness;
  let browser: ChromiumSession;
  let page: Page;
  let baseUrl: string;
  let person: Awaited<ReturnType<typeof loginAs>> & { secret: string };
  let admin: Awaited<ReturnType<typeof login>>;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    await h.app.modules.users.createSuperAdmin(systemCaller(), { email: 'mfa-admin@example.com', password: 'mfa admin passphrase' });
    admin = await login(h, 'mfa-admin@example.com', 'mfa admin passphrase');
    const session = await loginAs(h, { firstName: 'Tess', lastName: 'Totp' });
    const started = await h.app.inject({ method: 'POST', url: '/auth/mfa/totp', payload: {}, headers: session.headers });
    const { factorId, secret } = started.json();
    const confirmed = await h.app.inject({
      method: 'POST',
      url: `/auth/mfa/totp/${factorId}/confirm`,
      payload: { code: totpCode(secret, stepAt()) },
      headers: session.headers,
    });
    expect(confirmed.statusCode).toBe(200);
    person = { ...session, secret };
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = chromiumSession();
    // axe-core goes in as an inline script, which the console's Content-Security-Policy refuses otherwise.
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function noSeriousViolations() {
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    expect(await seriousAxeViolations(page)).toEqual([]);
  }

  it('shows the authenticator app with its dates and no secret, then resets it after confirming', async () => {
    await page.goto(`${baseUrl}/admin/`);
    await page.getByLabel('Email or username').fill('mfa-admin@example.com');
    await page.getByLabel('Password').fill('mfa admin passphrase');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.goto(`${baseUrl}/admin/#/users/${person.userId}`);
    await page.getByRole('heading', { level: 1, name: 'Tess Totp' }).waitFor();
    await page.getByRole('tab', { name: 'Second factors' }).click();
    const table = page.getByRole('table', { name: 'Second factors' });
    await table.getByRole('cell', { name: 'Authenticator app' }).waitFor();
    expect(await page.textContent('main')).not.toContain(person.secret);
    await page.getByText('Unused recovery codes remain.').waitFor();
    for (const width of consoleWidths) {
      await page.setViewportSize({ width, height: 900 });
      await noSeriousViolations();
      await saveScreen(page, 'user-second-factors', width);
    }

    await page.getByRole('button', { name: 'Reset second factors' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset' }).click();
    await page.getByText(/^No second factor/).waitFor();
    const after = await h.app.inject({ method: 'GET', url: `/users/${person.userId}?include=mfa`, headers: admin.headers });
    expect(after.json().mfa).toEqual({ enabled: false, kinds: [], factors: [] });
    await noSeriousViolations();
  }, 120_000);
});
