import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { type ChromiumSession, chromiumSession, hasChromium } from './helpers/chromium.js';

// testConfig's PUBLIC_URL: the document's server, so the address Swagger UI sends "Try it out" to.
const TESSERA = 'https://tessera.test';

/** The browser's request, every header as the page sent it, answered by the app through inject. */
async function answerFromApp(h: Harness, route: Route) {
  const request = route.request();
  const url = new URL(request.url());
  const res = await h.app.inject({
    method: request.method() as 'GET',
    url: `${url.pathname}${url.search}`,
    headers: await request.allHeaders(),
    payload: request.postDataBuffer() ?? undefined,
  });
  const headers = Object.fromEntries(Object.entries(res.headers).map(([name, value]) => [name, String(value)]));
  await route.fulfill({ status: res.statusCode, headers, body: res.rawPayload });
}

// /docs in Debian's Chromium: Swagger UI sends the credentials "Authorize" holds only to operations whose
// `security` names the scheme, so this fails when the document stops declaring it.
describe.skipIf(!hasChromium)('API docs in a browser', () => {
  let h: Harness;
  let browser: ChromiumSession;
  let page: Page;
  let session: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    h = await createHarness();
    session = await loginAs(h, { email: 'docs-reader@example.com', firstName: 'Dana' });
    browser = chromiumSession();
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.route(`${TESSERA}/**`, (route) => answerFromApp(h, route));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('calls GET /auth/me with the bearer token entered in "Authorize"', { timeout: 180_000 }, async () => {
    await page.goto(`${TESSERA}/docs/`);
    // Swagger UI shows "Authorize" once it has read the whole document: seconds on a quiet machine, far longer
    // under CI's load, so the first wait is for the document and not a measure of anything.
    const authorize = page.getByRole('button', { name: 'Authorize' }).first();
    await authorize.waitFor({ timeout: 90_000 });
    await authorize.click();
    const bearer = page.locator('.auth-container').filter({ hasText: 'bearerAuth' });
    await bearer.locator('input').fill(session.accessToken);
    await bearer.getByRole('button', { name: 'Apply credentials' }).click();
    await bearer.getByRole('button', { name: 'Close' }).click();

    const me = page.locator('.opblock-get').filter({ has: page.locator('[data-path="/auth/me"]') });
    await me.locator('.opblock-summary').click();
    await me.getByRole('button', { name: 'Try it out' }).click();
    await me.getByRole('button', { name: 'Execute' }).click();

    const live = me.locator('.live-responses-table');
    const status = live.locator('tbody .response-col_status');
    await status.waitFor();
    await expect(status.textContent()).resolves.toBe('200');
    const body = JSON.parse((await live.locator('tbody .response-col_description pre').first().textContent()) ?? '{}');
    expect(body).toMatchObject({ id: session.userId, email: 'docs-reader@example.com', firstName: 'Dana' });
  });
});
