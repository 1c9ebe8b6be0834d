import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

let served: Promise<string> | undefined;

/**
 * The URL of axe-core's minified script, served by the worker at its first use. Chromium keeps the compiled code
 * of a script it loaded by URL (its code cache, per profile), so the further pages a profile checks start axe-core
 * in a fraction of the CPU that compiling an inline copy costs on every page (the unminified source, 1.5 MB, took
 * 0.6 to 1.9 s of Chromium's CPU per page; by URL, warm, 0.1 to 0.2 s).
 */
function axeScriptUrl(): Promise<string> {
  served ??= new Promise((resolve) => {
    const script = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'));
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=86400, immutable' });
      response.end(script);
    });
    // Left listening, it would keep the worker from ending.
    server.unref();
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/axe.min.js`));
  });
  return served;
}

/**
 * axe-core's serious and critical violations on the page as it stands, as `rule: targets`. axe-core is
 * loaded once per document (a page checked again, at another width, still has it), which needs a profile
 * that bypasses the page's Content-Security-Policy. Only violations are asked for: axe-core then does not
 * also detail every passing node.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ url: await axeScriptUrl() });
  return page.evaluate(async () => {
    type Violation = { id: string; impact: string; nodes: { target: string[] }[] };
    const { axe } = window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> } };
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  });
}

/** How many pixels the page is wider than its screen (0 or less: it fits). */
export const overflowPx = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * The fields on the page that do not say what they hold (no `autocomplete`): a browser then guesses, and fills a
 * person's own name or address into a form about someone else. Named by id, name or label, for the failure message.
 */
export const fieldsWithoutAutocomplete = (page: Page) =>
  page
    .locator('input:not([type="hidden"], [type="submit"], [type="checkbox"], [type="radio"], [type="file"]), select, textarea')
    .evaluateAll((fields) =>
      fields
        .filter((field) => !field.getAttribute('autocomplete'))
        .map((field) => field.id || field.getAttribute('name') || field.getAttribute('aria-label') || field.outerHTML.slice(0, 80)),
    );
