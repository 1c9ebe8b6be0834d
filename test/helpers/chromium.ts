import { existsSync, readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (CI installs it); suites that need it are skipped where it is missing. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);

/** The two widths every page is checked at: a desktop and a phone. */
export const screenWidths = [1280, 390] as const;

/**
 * `check` at each width, the page resized as it stands (its layout is its CSS's at that width, as if it had been
 * opened there), instead of opening it again per width. The size it had is restored.
 */
export async function atEachWidth(page: Page, check: (width: number) => Promise<void>) {
  const before = page.viewportSize() ?? { width: screenWidths[0], height: 900 };
  for (const width of screenWidths) {
    await page.setViewportSize({ width, height: before.height });
    await check(width);
  }
  await page.setViewportSize(before);
}

type ContextOptions = Parameters<Browser['newContext']>[0];

/** What a test file gets of the worker's Chromium: profiles (contexts) of its own, closed with it. */
export interface ChromiumSession {
  newContext(options?: ContextOptions): Promise<BrowserContext>;
  /** A page in a profile of its own, as `Browser.newPage` makes it. */
  newPage: Browser['newPage'];
  /** Closes the profiles this session opened; the browser stays for the worker's next file. */
  close(): Promise<void>;
}

let running: Promise<Browser> | undefined;

/**
 * Features Playwright turns off (its chromiumSwitches), then ours: Chromium reads only the last `--disable-features`,
 * which is ours, so it carries Playwright's too (`startChromium` fails when Playwright's list has grown past this one).
 */
const playwrightDisabledFeatures = [
  'AimEnabled',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsFirstBalancedModeAutoEnable',
  'HttpsUpgrades',
  'LensOverlay',
  'MediaRouter',
  'NetworkTimeServiceQuerying',
  'OptimizationHints',
  'PaintHolding',
  'PreconnectToSearch',
  'TcpPortRandomizationWin',
  'ThirdPartyStoragePartitioning',
  'msEdgeUpdateLaunchServicesPreferredVersion',
  'msForceBrowserSignIn',
];
/**
 * The address bar's suggestion popups, web pages of their own that every profile's window loads in a renderer of
 * its own though a headless test never opens them: about 1.5 s of CPU per browser context on this machine.
 */
const ourDisabledFeatures = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/** The command line of this process's Chromium as it was started (Linux; empty elsewhere). */
function launchedCommandLine() {
  const self = `/proc/${process.pid}/task/${process.pid}/children`;
  const children = existsSync(self) ? readFileSync(self, 'utf8').split(' ').filter(Boolean) : [];
  const commandLines = children.map((pid) => (existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : ''));
  return commandLines.find((line) => line.includes('--remote-debugging-pipe'))?.split('\0') ?? [];
}

/** Features in Playwright's own `--disable-features` (the first) that ours, the one Chromium reads, lacks. */
function missingPlaywrightFeatures(commandLine: string[]) {
  const theirs =
    commandLine
      .find((arg) => arg.startsWith('--disable-features='))
      ?.split('=')[1]
      ?.split(',') ?? [];
  return theirs.filter((feature) => !playwrightDisabledFeatures.includes(feature));
}

async function startChromium() {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      `--disable-features=${[...playwrightDisabledFeatures, ...ourDisabledFeatures].join(',')}`,
    ],
  });
  const missing = missingPlaywrightFeatures(launchedCommandLine());
  if (missing.length > 0) {
    await browser.close();
    throw new Error(`Playwright now disables ${missing.join(', ')} too: add them to playwrightDisabledFeatures`);
  }
  return browser;
}

/** The worker's one Chromium, started at its first use (and again if it went away). */
async function workerChromium(): Promise<Browser> {
  running ??= startChromium();
  const browser = await running;
  if (browser.isConnected()) return browser;
  running = startChromium();
  return running;
}

/**
 * Ends the process's Chromium, for a script run outside the test workers (`npm run pages:screens`): left running,
 * it keeps the script from exiting.
 */
export async function stopChromium() {
  const browser = await running;
  running = undefined;
  await browser?.close();
}

/**
 * A test file's Chromium, started at its first use. Workers run their files one after another and keep what they loaded, so one Chromium
 * serves all of a worker's files instead of one started and stopped per file. A file shares nothing with
 * the others through it: every test uses fresh profiles (cookies, storage, permissions), and the session
 * closes those it opened. The browser ends with the worker (Playwright ends what it launched when its process
 * exits, and Chromium ends when its pipe closes).
 */
export function chromiumSession(): ChromiumSession {
  const contexts = new Set<BrowserContext>();
  // Chromium starts at the first profile a test opens: a file whose other tests need no browser still runs them
  // where Chromium is missing (its browser tests are skipped).
  const newContext = async (options?: ContextOptions) => {
    const context = await (await workerChromium()).newContext(options);
    contexts.add(context);
    context.on('close', () => contexts.delete(context));
    return context;
  };
  return {
    newContext,
    newPage: async (options) => (await newContext(options)).newPage(),
    close: async () => {
      await Promise.all([...contexts].map((context) => context.close()));
    },
  };
}
