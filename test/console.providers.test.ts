import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { login } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type ConsoleBrowser, consoleWidths, openConsole } from './helpers/console-browser.js';
import { federationConfig } from './helpers/federation.js';
import { startOpenIdProvider, type TestProvider } from './helpers/op.js';
import { freePort } from './helpers/serve.js';

// An administrator tests a sign-in provider from the console for real: Chromium goes to the provider (a real
// OpenID provider on loopback), signs in there and comes back through Tessera's callback to the console,
// which shows what the provider said and what a sign-in would do. At 1280 and 390 px, checked by axe-core.
describe.skipIf(!hasChromium)('admin console: a test sign-in with an identity provider', () => {
  let h: Harness;
  let op: TestProvider;
  let ui: ConsoleBrowser;
  let port: number;
  let admin: { headers: Record<string, string> };

  beforeAll(async () => {
    port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    op = await startOpenIdProvider({
      clientId: 'tessera',
      clientSecret: 'tessera-secret',
      redirectUris: [`${base}/auth/oauth/corp/callback`],
    });
    op.accounts.set('alice', { email: 'alice@corp.example', email_verified: true, given_name: 'Alice', family_name: 'Liddell' });
    h = await createHarness({ config: { ...federationConfig, PUBLIC_URL: base } });
    await h.app.modules.users.createSuperAdmin(systemCaller(), { email: 'root@example.com', password: 'console admin passphrase' });
    admin = await login(h, 'root@example.com', 'console admin passphrase');
    const added = await h.app.inject({
      method: 'POST',
      url: '/identity-providers',
      headers: admin.headers,
      payload: { kind: 'oidc', slug: 'corp', displayName: 'Corp', issuer: op.issuer, clientId: 'tessera', clientSecret: 'tessera-secret' },
    });
    expect(added.statusCode, added.body).toBe(201);
    ui = await openConsole(h, { port });
    await ui.signIn('root@example.com', 'console admin passphrase');
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await h?.close();
    await op?.close();
  });

  it('goes to the provider, comes back signed in to the console, and shows the identity and the outcome', async () => {
    const { page } = ui;
    // Added with no word on it, the generic provider's verified addresses are not trusted: the result says why.
    await ui.visit('identity-providers', 'Sign-in providers');
    await page.getByRole('button', { name: 'Test sign-in with corp' }).click();
    await page.getByRole('heading', { level: 2, name: 'Test sign-in result' }).waitFor();
    await expect
      .poll(() => page.locator('dl.facts').textContent())
      .toContain('alice@corp.example (not counted as verified: this provider is not trusted to verify addresses)');
    // Trusted from the provider's form, its word counts.
    await page.getByRole('button', { name: 'Edit corp' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Corp' });
    await edit.getByRole('checkbox', { name: /Trust the addresses it calls verified/ }).check();
    await edit.getByRole('button', { name: 'Save provider' }).click();
    await edit.waitFor({ state: 'detached' });
    const [corp] = (await h.app.inject({ url: '/identity-providers', headers: admin.headers })).json().data;
    expect(corp).toMatchObject({ slug: 'corp', trustEmailVerified: true });

    for (const width of consoleWidths) {
      await page.setViewportSize({ width, height: 900 });
      await ui.visit('identity-providers', 'Sign-in providers');
      await page.getByRole('button', { name: 'Test sign-in with corp' }).click();
      await page.getByRole('heading', { level: 2, name: 'Test sign-in result' }).waitFor();
      expect(page.url()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/admin/#/identity-providers/tested-[0-9a-f-]{36}$`));
      const status = page.getByRole('status').filter({ hasText: 'corp' });
      await expect.poll(() => status.textContent()).toContain('A sign-in would create a new account');
      const facts = page.locator('dl.facts');
      expect(await facts.textContent()).toContain('alice@corp.example (verified by the provider)');
      expect(await facts.textContent()).toContain('Alice Liddell');
      await ui.checkPage('provider-test-result', width);
    }
    // The test signed nobody in and created nobody.
    const users = await h.context.database.primary.query.users.findMany();
    expect(users.map((user) => user.email)).toEqual(['root@example.com']);
  });
});
