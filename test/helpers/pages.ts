import type { BrowserContext, Page } from 'playwright-core';
import type { PresetName } from '../../src/modules/access/presets.js';
import { createHarness, type Harness } from './app.js';
import { fieldsWithoutAutocomplete, overflowPx, seriousAxeViolations } from './axe.js';
import { atEachWidth, type ChromiumSession, chromiumSession, screenWidths } from './chromium.js';
import { freePort } from './ports.js';

/** The two widths every page is checked at: a desktop and a phone. */
export const widths = screenWidths;

export interface PagesRig {
  h: Harness;
  base: string;
  browser: ChromiumSession;
  /** A fresh browser profile (no cookies) at a width, in a language, with or without JavaScript. */
  context(options?: {
    width?: number;
    language?: 'en' | 'de';
    javaScript?: boolean;
    axe?: boolean;
    /** Trust the test CA's servers (the local identity providers serve HTTPS with it). */
    testTls?: boolean;
  }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * The real app listening on PUBLIC_URL (so mailed links and cookies match), and Debian's Chromium. `port`:
 * when something must know PUBLIC_URL before the app starts (an identity provider's redirect URIs).
 */
export async function startPages(config: Record<string, string | undefined> = {}, preset?: PresetName, port?: number): Promise<PagesRig> {
  port ??= await freePort();
  const base = `http://127.0.0.1:${port}`;
  const h = await createHarness({ config: { PUBLIC_URL: base, ...config }, ...(preset ? { preset } : {}) });
  await h.app.listen({ port, host: '127.0.0.1' });
  const browser = chromiumSession();
  return {
    h,
    base,
    browser,
    // `axe`: the page's policy refuses inline scripts, axe-core's included; only such a profile may inject it.
    context: ({ width = 1280, language = 'en', javaScript = true, axe = false, testTls = false } = {}) =>
      browser.newContext({
        viewport: { width, height: 900 },
        locale: language === 'de' ? 'de-DE' : 'en-US',
        extraHTTPHeaders: { 'accept-language': language === 'de' ? 'de-DE,de;q=0.9' : 'en-US,en;q=0.9' },
        javaScriptEnabled: javaScript,
        bypassCSP: axe,
        ignoreHTTPSErrors: testTls,
      }),
    close: async () => {
      await browser.close();
      await h.close();
    },
  };
}

/** axe-core on the page as it is: no serious or critical violation, nothing wider than the screen, every field's autocomplete said. */
export async function checkPage(page: Page) {
  const where = `${page.url()} at ${page.viewportSize()?.width} px`;
  const serious = await seriousAxeViolations(page);
  if (serious.length > 0) throw new Error(`axe-core on ${where}: ${serious.join('; ')}`);
  const overflow = await overflowPx(page);
  if (overflow > 0) throw new Error(`${where}: ${overflow} px wider than the screen`);
  const unsaid = await fieldsWithoutAutocomplete(page);
  if (unsaid.length > 0) throw new Error(`${where}: fields without autocomplete: ${unsaid.join(', ')}`);
}

/** `checkPage` at each width, by resizing the page instead of signing in and opening it again per width. */
export const checkPageAtEachWidth = (page: Page) => atEachWidth(page, () => checkPage(page));

/** The browser's session cookie, if it has one. */
export async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name.endsWith('tessera_session'));
}

/** Signs in on the sign-in page (in English or German) and waits for the account page; the page. */
export async function signInOnPage(rig: PagesRig, context: BrowserContext, email: string, password: string) {
  const page = await context.newPage();
  await page.goto(`${rig.base}/sign-in`);
  await page.getByLabel(/Email or username|E-Mail oder Benutzername/).fill(email);
  await page.getByLabel(/^(Password|Passwort)$/).fill(password);
  await page.getByRole('button', { name: /^(Sign in|Anmelden)$/ }).click();
  await page.getByRole('heading', { name: /Your account|Ihr Konto/ }).waitFor();
  return page;
}
