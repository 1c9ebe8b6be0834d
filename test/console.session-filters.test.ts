import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import type { Page, Request, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { users } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, enrolAuthenticator, login } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, consoleWidths, openConsole } from './helpers/console-browser.js';
import { stepAt, totpCode } from './helpers/totp.js';

const ADMIN = { email: 'filters-admin@example.com', username: 'filters.admin', password: 'filters admin passphrase' };
/** Short enough for a test to outlive a token; the console renews it halfway through. */
const ACCESS_TOKEN_TTL_S = 20;

// The console's session in Debian's Chromium: sign-in with a username, the second step (an authenticator
// app's code, a recovery code), the silent renewal of a short-lived access token while the console sits
// idle; then the users list's filters and sort, each compared with the API's answer to the same query.
describe.skipIf(!hasChromium)('admin console: sign-in steps, silent refresh and the users filters', () => {
  let h: Harness;
  let ui: ConsoleBrowser;
  let page: Page;
  /** A fresh sign-in of the administrator for the API: the harness's access tokens live only 20 s. */
  const adminHeaders = async () => (await login(h, ADMIN.email, ADMIN.password)).headers;

  beforeAll(async () => {
    h = await createHarness({
      preset: 'learning',
      config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL_S}s` },
    });
    await createUser(h, { ...ADMIN, roles: ['SUPER_ADMIN'], firstName: 'Filter', lastName: 'Admin' });
    ui = await openConsole(h);
    page = ui.page;
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
  });

  async function signOut() {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email or username').waitFor();
  }

  /** The password step of a person with a second factor: the console asks for the code next. */
  async function passwordStep(email: string, password: string) {
    await page.goto(`${ui.baseUrl}/admin/`);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Second step' }).waitFor();
  }

  async function secondStep(code: string) {
    await page.getByLabel(/Code from your authenticator app/).fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  it('signs in with a username instead of an email', async () => {
    const sent = page.waitForRequest((request) => request.url().endsWith('/auth/login'));
    await ui.signIn(ADMIN.username, ADMIN.password);
    expect((await sent).postDataJSON()).toEqual({ username: ADMIN.username, password: ADMIN.password });
    await expect(page.locator('.who').textContent()).resolves.toBe(ADMIN.email);
    await signOut();
  });

  it("asks for the second step: an authenticator app's code, then a recovery code (checked at both widths)", async () => {
    const person = await enrolAuthenticator(h, { roles: ['SUPER_ADMIN'], firstName: 'Otto', lastName: 'Factor' });
    await passwordStep(person.user.email, person.user.password);
    for (const width of consoleWidths) {
      await page.setViewportSize({ width, height: 900 });
      await ui.checkPage('sign-in-second-step', width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await secondStep('000000');
    // Refused, the code's problem takes the focus from the button disabled while it was sent.
    await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'alert');
    // The step the enrolment spent is refused as a replay: the next one (within the accepted window).
    await secondStep(totpCode(person.secret, Math.max(stepAt(), person.step + 1)));
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await expect(page.locator('.who').textContent()).resolves.toBe(person.user.email);
    await signOut();

    const [recoveryCode] = person.recoveryCodes as [string];
    await passwordStep(person.user.email, person.user.password);
    await secondStep(recoveryCode);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await signOut();
    // A recovery code serves once.
    await passwordStep(person.user.email, person.user.password);
    await secondStep(recoveryCode);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('heading', { level: 1, name: 'Second step' }).count()).toBe(1);
  }, 120_000);

  /**
   * Time passes on the server's clock (the harness runs in this process) and the console's, the server's first and a
   * second at a time: a renewal the console's timer sends when due reaches a server that is at most a second ahead.
   */
  async function letTimePass(ms: number) {
    for (let passed = 0; passed < ms; passed += 1000) {
      vi.advanceTimersByTime(1000);
      await page.clock.runFor(1000);
    }
  }

  it('renews the access token before it expires while idle, and keeps working past the expiry without a 401', async () => {
    // Both clocks are driven instead of waiting the token's 20 s out.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    await page.clock.install({ time: Date.now() });
    const renewals: number[] = [];
    const unauthorized: string[] = [];
    const expiredTokensSent: string[] = [];
    const onRequest = (request: Request) => {
      const sentAt = Date.now();
      if (request.url().endsWith('/auth/refresh-token')) renewals.push(sentAt);
      const bearer = request.headers().authorization?.replace(/^Bearer /, '');
      if (bearer && (decodeJwt(bearer).exp as number) * 1000 <= sentAt) expiredTokensSent.push(request.url());
    };
    const onResponse = (response: Response) => {
      if (response.status() === 401) unauthorized.push(response.url());
    };
    page.on('request', onRequest);
    page.on('response', onResponse);
    try {
      const signedIn = page.waitForResponse((response) => response.url().endsWith('/auth/login'));
      await ui.signIn(ADMIN.email, ADMIN.password);
      const firstToken = (await (await signedIn).json()).accessToken as string;
      const expiresAt = (decodeJwt(firstToken).exp as number) * 1000;
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(ACCESS_TOKEN_TTL_S * 1000);

      // Nothing is clicked: the renewal is the console's own, and it comes before the token expires.
      await letTimePass(expiresAt + 1000 - Date.now());
      expect(renewals.length).toBeGreaterThan(0);
      expect(renewals[0]).toBeLessThan(expiresAt);

      // Past the first token's expiry the console still reads and shows data, as the same session.
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
      await page.getByRole('link', { name: ADMIN.email }).waitFor();
      expect(unauthorized).toEqual([]);
      expect(expiredTokensSent).toEqual([]);
      expect(await page.getByLabel('Email or username').count()).toBe(0);
      await signOut();
    } finally {
      page.off('request', onRequest);
      page.off('response', onResponse);
      vi.useRealTimers();
      // The console's clock keeps running from the real time again for the next tests.
      await page.clock.setSystemTime(Date.now());
    }
  }, 120_000);

  describe('the users list', () => {
    let north: string;
    let south: string;
    const day = (iso: string) => new Date(`${iso}T12:00:00.000Z`);

    beforeAll(async () => {
      const admin = { headers: await adminHeaders() };
      north = await createOrganization(h, admin, 'Filter North');
      south = await createOrganization(h, admin, 'Filter South');
      const people = [
        ['north.instructor@example.com', 'INSTRUCTOR', north, 'ACTIVE', true, '2024-03-10'],
        ['north.learner@example.com', 'LEARNER', north, 'SUSPENDED', false, '2024-06-15'],
        ['south.instructor@example.com', 'INSTRUCTOR', south, 'ACTIVE', false, '2025-01-20'],
        ['south.learner@example.com', 'LEARNER', south, 'PENDING', true, '2025-02-05'],
      ] as const;
      const db = h.context.database.primary;
      for (const [email, role, organizationId, status, verified, created] of people) {
        const user = await createUser(h, { email, roles: [role], organizationId, status, lastName: email.split('@')[0] });
        await db
          .update(users)
          .set({ createdAt: day(created), emailVerifiedAt: verified ? day(created) : null })
          .where(eq(users.id, user.id));
      }
      await ui.signIn(ADMIN.email, ADMIN.password);
    }, 60_000);

    /** The emails of the rows the console shows, in order. */
    const shownEmails = () =>
      page
        .getByRole('table', { name: 'Users' })
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.querySelector('a')?.textContent ?? ''));

    /** The API's answer to the same query, with the console's defaults (newest first, 50 a page). */
    async function apiEmails(query: Record<string, string>) {
      const params = new URLSearchParams({ sort: 'createdAt', order: 'desc', limit: '50', page: '1', ...query });
      const listed = await h.app.inject({ method: 'GET', url: `/users?${params}`, headers: await adminHeaders() });
      expect(listed.statusCode).toBe(200);
      return (listed.json().data as { email: string }[]).map((user) => user.email);
    }

    /** The console's rows become the API's for this query, fewer than the whole list and not none. */
    async function narrowsAsTheApi(query: Record<string, string>, expected: string[]) {
      const answered = await apiEmails(query);
      expect([...answered].sort()).toEqual([...expected].sort());
      await expect.poll(shownEmails, { timeout: 15_000 }).toEqual(answered);
    }

    it('filters by role, organization, status, verified and creation date, and sorts, as the API does; roles shown per row', async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await ui.visit('users', 'Users');
      const everyone = await apiEmails({});
      expect(everyone.length).toBeGreaterThanOrEqual(5);
      await expect.poll(shownEmails, { timeout: 15_000 }).toEqual(everyone);
      const row = (email: string) => page.getByRole('row').filter({ hasText: email });
      await expect(row('north.instructor@example.com').getByRole('cell').nth(4).textContent()).resolves.toBe('INSTRUCTOR');
      await expect(row(ADMIN.email).getByRole('cell').nth(4).textContent()).resolves.toBe('SUPER_ADMIN');

      await page.getByLabel('Role').selectOption('INSTRUCTOR');
      await narrowsAsTheApi({ role: 'INSTRUCTOR' }, ['north.instructor@example.com', 'south.instructor@example.com']);
      await page.getByLabel('Role').selectOption('');

      await page.getByLabel('Organization').selectOption({ label: 'Filter South' });
      await narrowsAsTheApi({ organizationId: south }, ['south.instructor@example.com', 'south.learner@example.com']);
      await page.getByLabel('Organization').selectOption('');

      await page.getByLabel('Status').selectOption('SUSPENDED');
      await narrowsAsTheApi({ status: 'SUSPENDED' }, ['north.learner@example.com']);
      await page.getByLabel('Status').selectOption('');

      await page.getByLabel('Verified').selectOption({ label: 'Not verified' });
      await narrowsAsTheApi({ emailVerified: 'false' }, ['north.learner@example.com', 'south.instructor@example.com']);
      await page.getByLabel('Verified').selectOption('');

      await page.getByLabel('Created from').fill('2024-06-01');
      await page.getByLabel('to', { exact: true }).fill('2025-01-31');
      await narrowsAsTheApi({ createdFrom: '2024-06-01T00:00:00.000Z', createdTo: '2025-01-31T23:59:59.999Z' }, [
        'north.learner@example.com',
        'south.instructor@example.com',
      ]);
      await page.getByLabel('Created from').fill('');
      await page.getByLabel('to', { exact: true }).fill('');
      await expect.poll(shownEmails, { timeout: 15_000 }).toEqual(everyone);

      await page.getByLabel('Sort').selectOption({ label: 'Email A–Z' });
      const byEmail = await apiEmails({ sort: 'email', order: 'asc' });
      expect(byEmail).toEqual([...everyone].sort());
      await expect.poll(shownEmails, { timeout: 15_000 }).toEqual(byEmail);
      await page.getByLabel('Sort').selectOption({ label: 'Oldest first' });
      await expect.poll(shownEmails, { timeout: 15_000 }).toEqual([...everyone].reverse());

      // Two filters at once: nobody is both a learner and verified in the North.
      await page.getByLabel('Role').selectOption('LEARNER');
      await page.getByLabel('Organization').selectOption({ label: 'Filter North' });
      await page.getByLabel('Verified').selectOption({ label: 'Email verified' });
      await page.getByText('No user matches these filters.').waitFor();
      expect(await apiEmails({ role: 'LEARNER', organizationId: north, emailVerified: 'true' })).toEqual([]);
    }, 120_000);

    it('shows the roles on each card at 390 px and the list at both widths passes axe', async () => {
      for (const width of consoleWidths) {
        await page.setViewportSize({ width, height: 900 });
        // Loaded afresh: the filters of the test before are gone.
        await ui.visit('users', 'Users');
        await page.reload();
        await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
        await page.getByLabel('Role').selectOption('INSTRUCTOR');
        await expect.poll(shownEmails, { timeout: 15_000 }).toHaveLength(2);
        await ui.checkPage('users-filtered-with-roles', width);
      }
      const card = page.getByRole('row').filter({ hasText: 'south.instructor@example.com' });
      await expect(card.locator('td[data-label="Roles"]').textContent()).resolves.toBe('INSTRUCTOR');
      expect(await card.locator('td[data-label="Roles"]').isVisible()).toBe(true);
    }, 120_000);
  });
});
