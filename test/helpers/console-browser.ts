import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { systemCaller } from '../../src/platform/caller.js';
import type { Harness } from './app.js';
import { apiAs, login } from './auth.js';
import { fieldsWithoutAutocomplete, overflowPx, seriousAxeViolations } from './axe.js';
import { atEachWidth, chromiumSession, screenWidths } from './chromium.js';
import { ensureConsoleBuilt } from './console-build.js';

/** `npm run console:screens` sets this: every page is saved there at both widths. */
const screensDir = process.env.CONSOLE_SCREENS;
export const consoleWidths = screenWidths;

/** Under `npm run console:screens`: the page saved as `<name>-<width>.png`, whole. */
export async function saveScreen(page: Page, name: string, width: number) {
  if (!screensDir) return;
  mkdirSync(screensDir, { recursive: true });
  await page.screenshot({ path: join(screensDir, `${name}-${width}.png`), fullPage: true });
}

/**
 * The console in a real browser (Debian's Chromium) against the harness's app on a real port. `checkPage`:
 * axe-core finds no serious or critical violation, nothing is wider than the screen, and every field says its
 * autocomplete.
 */
export async function openConsole(h: Harness, { port = 0 }: { port?: number } = {}) {
  ensureConsoleBuilt();
  if (screensDir) mkdirSync(screensDir, { recursive: true });
  await h.app.listen({ port, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const browser = chromiumSession();
  // axe-core is injected as an inline script, which the console's Content-Security-Policy refuses otherwise;
  // the test identity providers serve HTTPS with the test CA's certificate, which Chromium does not know.
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true, ignoreHTTPSErrors: true });

  async function checkPage(name: string, width: number, on: Page = page) {
    await on.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    expect(await seriousAxeViolations(on), `${name} at ${width}px`).toEqual([]);
    expect(await overflowPx(on), `${name} at ${width}px is wider than the screen`).toBeLessThanOrEqual(0);
    expect(await fieldsWithoutAutocomplete(on), `${name} at ${width}px: fields without autocomplete`).toEqual([]);
    await saveScreen(on, name, width);
  }

  async function visit(hash: string, heading: string | RegExp) {
    await page.goto(`${baseUrl}/admin/#/${hash}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /** Each page at this width: visited, its heading awaited, then checked. */
  async function checkPages(width: number, pages: [name: string, hash: string, heading: string | RegExp][]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, hash, heading] of pages) {
      await visit(hash, heading);
      await checkPage(name, width);
    }
  }

  /** The page as it stands (a dialog open, a filter applied) checked at each width; the width it had is restored. */
  const checkAtEachWidth = (name: string) => atEachWidth(page, (width) => checkPage(name, width));

  async function signIn(email: string, password: string) {
    await page.goto(`${baseUrl}/admin/`);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  }

  return { baseUrl, browser, page, checkPage, checkPages, checkAtEachWidth, visit, signIn, close: () => browser.close() };
}

export type ConsoleBrowser = Awaited<ReturnType<typeof openConsole>>;

/** A super-admin made in the harness, the console opened and signed in as them, and the API as them. */
export async function consoleAsSuperAdmin(h: Harness, admin: { email: string; password: string }) {
  await h.app.modules.users.createSuperAdmin(systemCaller(), admin);
  const api = apiAs(h, await login(h, admin.email, admin.password));
  const ui = await openConsole(h);
  await ui.signIn(admin.email, admin.password);
  return { ui, api };
}
