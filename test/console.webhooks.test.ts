import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { login } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, consoleWidths, openConsole } from './helpers/console-browser.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const ADMIN = { email: 'hooks-admin@example.com', password: 'webhooks admin passphrase' };

// The console's Webhooks page in Chromium at 1280 and 390 px against a receiver on loopback that verifies every
// delivery with the standardwebhooks package: create and edit checked against the API's schema before sending,
// create (the secret shown once, copied), a test event delivered, a failing receiver retried, a replay,
// rotation (both secrets sign), disable, delete; axe-core on each state.
describe.skipIf(!hasChromium)('admin console: webhooks', () => {
  let h: Harness;
  let ui: ConsoleBrowser;
  let page: Page;
  let receiver: WebhookReceiver;
  let admin: Awaited<ReturnType<typeof login>>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await createHarness({
      // A loopback receiver needs private networks; no polling, so a failed attempt waits for the Retry button.
      config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_INTERVAL: '1h' },
    });
    await h.app.modules.users.createSuperAdmin(systemCaller(), ADMIN);
    admin = await login(h, ADMIN.email, ADMIN.password);
    ui = await openConsole(h);
    page = ui.page;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.baseUrl });
    await ui.signIn(ADMIN.email, ADMIN.password);
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
    await receiver?.close();
  });

  const webhooks = async () =>
    (await h.app.inject({ method: 'GET', url: '/webhooks', headers: admin.headers })).json().data as {
      id: string;
      url: string;
      events: string[];
      status: string;
      description: string | null;
    }[];
  /** The delivery log's newest row. */
  const newestDelivery = () => page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr').first();

  for (const width of consoleWidths) {
    it(`checks the form against the schema, creates, tests, retries, replays, rotates, disables and deletes a webhook at ${width} px`, async () => {
      const path = `/hooks-${width}`;
      await page.setViewportSize({ width, height: 900 });
      await ui.visit('webhooks', 'Webhooks');
      await page.getByText('No webhook yet').waitFor();
      await ui.checkPage('webhooks-empty', width);

      // Create: the form is checked against the API's schema as fields are left, and not sent with a problem.
      await page.getByRole('button', { name: 'New webhook' }).click();
      const create = page.getByRole('dialog', { name: 'New webhook' });
      await create.getByLabel('Endpoint URL').fill('crm.example');
      await create.getByLabel('Description (optional)').fill('x'.repeat(501));
      await create.getByLabel('Endpoint URL').focus();
      await create.getByText('Not a URL.').waitFor();
      await create.getByText('At most 500 characters.').waitFor();
      await expect(create.getByLabel('Endpoint URL').getAttribute('aria-invalid')).resolves.toBe('true');
      await ui.checkPage('webhooks-new-problems', width);
      await create.getByLabel('Endpoint URL').fill(receiver.url(path));
      await create.getByLabel('Description (optional)').fill(`CRM sync ${width}`);
      await expect(create.getByText('Not a URL.').count()).resolves.toBe(0);
      // No event chosen: the API's minimum of one, shown on the events, and nothing is created.
      await create.getByRole('button', { name: 'Create webhook' }).click();
      await create.getByText('Correct the fields marked before saving.').waitFor();
      await create.getByText('Choose at least 1.').waitFor();
      expect(await webhooks()).toEqual([]);
      // Events from the catalogue, with a wildcard: the events' problem goes.
      await create.getByLabel('Every user event (user.*)').check();
      await expect(create.getByText('Choose at least 1.').count()).resolves.toBe(0);
      // The wildcard covers the user's single types: they show checked and cannot be chosen twice.
      await expect(create.getByLabel('user.created', { exact: true }).isDisabled()).resolves.toBe(true);
      await ui.checkPage('webhooks-new', width);
      // The dialog's long lists of events wrap inside it: nothing scrolls sideways.
      expect(await create.evaluate((dialog) => dialog.scrollWidth - dialog.clientWidth)).toBeLessThanOrEqual(0);
      await create.getByRole('button', { name: 'Create webhook' }).click();

      // The secret, shown once, with a warning and a copy button.
      const notice = page.locator('.notice.warning');
      await notice.getByText('it is not shown again').waitFor();
      const secret = (await notice.locator('.secret').textContent()) ?? '';
      expect(secret).toMatch(/^whsec_/);
      await notice.getByRole('button', { name: 'Copy secret' }).click();
      await notice.getByText('Copied.').waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
      await ui.checkPage('webhooks-created', width);
      const [hook] = await webhooks();
      expect(hook).toMatchObject({ url: receiver.url(path), events: ['user.*'], status: 'ACTIVE', description: `CRM sync ${width}` });
      expect(JSON.stringify(await webhooks())).not.toContain(secret);
      await notice.getByRole('button', { name: 'I have saved it' }).click();
      await page.reload();
      await page.getByRole('link', { name: receiver.url(path) }).waitFor();
      expect(await page.content()).not.toContain(secret);

      // A test event, delivered and verified by the receiver with the secret, then shown as delivered.
      await page.getByRole('link', { name: receiver.url(path) }).click();
      await page.getByRole('heading', { level: 1, name: `CRM sync ${width}` }).waitFor();
      await page.getByText('No delivery yet').waitFor();
      await page.getByRole('button', { name: 'Send test event' }).click();
      const [tested] = await receiver.until(path, 1);
      expect(receiver.verify(tested as never, secret)).toMatchObject({ type: 'webhook.test' });
      await newestDelivery().getByText('DELIVERED').waitFor();
      await newestDelivery().getByText('answered 200').waitFor();
      await ui.checkPage('webhook-delivered', width);

      // The receiver fails: the log shows its answer and the next attempt; Retry sends it again at once.
      receiver.answer(path, { status: 500 });
      await page.getByRole('button', { name: 'Send test event' }).click();
      await receiver.until(path, 2);
      await newestDelivery().getByText('answered 500').waitFor();
      await expect(newestDelivery().getByText('PENDING').count()).resolves.toBe(1);
      await ui.checkPage('webhook-failing', width);
      await newestDelivery()
        .getByRole('button', { name: /^Retry/ })
        .click();
      const retried = await receiver.until(path, 3);
      expect(retried[2]?.id).toBe(retried[1]?.id);
      expect(receiver.verifies(retried[2] as never, secret)).toBe(true);
      await newestDelivery().getByText('DELIVERED').waitFor();
      await newestDelivery().getByText('answered 200').waitFor();

      // Replay of a time range: both deliveries are sent again.
      await page.getByRole('button', { name: 'Replay a time range' }).click();
      await ui.checkPage('webhook-replay', width);
      await page.getByRole('dialog', { name: 'Replay deliveries' }).getByRole('button', { name: 'Replay' }).click();
      await page.getByText('2 deliveries queued again.').waitFor();
      await receiver.until(path, 5);

      // Rotation: the new secret shown once; during the grace period a delivery verifies with either.
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
      await notice.getByText(/both the new and the previous secret sign/).waitFor();
      const rotated = (await notice.locator('.secret').textContent()) ?? '';
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(secret);
      await ui.checkPage('webhook-rotated', width);
      await page.getByRole('button', { name: 'Send test event' }).click();
      const afterRotation = (await receiver.until(path, 6))[5];
      expect(receiver.verifies(afterRotation as never, rotated)).toBe(true);
      expect(receiver.verifies(afterRotation as never, secret)).toBe(true);

      // Edit, then disable.
      await page.getByRole('button', { name: `Edit CRM sync ${width}` }).click();
      const edit = page.getByRole('dialog', { name: `Edit CRM sync ${width}` });
      await edit.getByLabel('Endpoint URL').fill('receiver');
      await edit.getByLabel('Description (optional)').focus();
      await edit.getByText('Not a URL.').waitFor();
      await edit.getByLabel('Endpoint URL').fill(receiver.url(path));
      await edit.getByLabel('Description (optional)').fill(`Billing ${width}`);
      await edit.getByLabel('Every organization event (organization.*)').check();
      await edit.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { level: 1, name: `Billing ${width}` }).waitFor();
      await page.getByRole('button', { name: `Disable Billing ${width}` }).click();
      await page.getByRole('button', { name: `Enable Billing ${width}` }).waitFor();
      const [edited] = await webhooks();
      expect(edited).toMatchObject({ status: 'DISABLED', description: `Billing ${width}` });
      expect([...(edited?.events ?? [])].sort()).toEqual(['organization.*', 'user.*']);
      await ui.checkPage('webhook-disabled', width);
      await ui.visit('webhooks', 'Webhooks');
      await page.getByText('Disabled', { exact: true }).waitFor();
      await ui.checkPage('webhooks-list', width);
      await page.emulateMedia({ colorScheme: 'dark' });
      await ui.checkPage('webhooks-list-dark', width);
      await page.emulateMedia({ colorScheme: 'light' });

      // Delete, confirmed in a dialog.
      await page.getByRole('button', { name: `Delete Billing ${width}` }).click();
      await ui.checkPage('webhooks-delete', width);
      await page.getByRole('dialog').getByRole('button', { name: 'Delete webhook' }).click();
      await page.getByText('No webhook yet').waitFor();
      expect(await webhooks()).toEqual([]);
    }, 120_000);
  }
});
