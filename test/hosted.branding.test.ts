import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, startPages } from './helpers/pages.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

let counter = 0;

// An organization's own brand (name, logo, colour: PATCH /organizations/:id) on the pages that invite people
// to it, the deployment's elsewhere; the support address in every page's footer.
describe.skipIf(!hasChromium)('per-organization branding on the hosted pages', () => {
  let rig: PagesRig;
  let smtp: SmtpReceiver;
  let root: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    rig = await startPages({ SMTP_URL: smtp.url, BRAND_NAME: 'Tessera Cloud', BRAND_SUPPORT_EMAIL: 'help@tessera.example' }, 'learning');
    root = await loginAs(rig.h, { roles: ['SUPER_ADMIN'] });
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await smtp?.close();
  });

  const patch = (id: string, payload: object) =>
    rig.h.app.inject({ method: 'PATCH', url: `/organizations/${id}`, headers: root.headers, payload });

  /** An organization with its own brand, and the token of an invitation to it for a new person. */
  async function brandedInvitation(brandPrimaryColor = '#7a1fa2') {
    const organizationId = await createOrganization(rig.h, root, `Globex ${++counter}`);
    const branded = await patch(organizationId, {
      brandName: 'Globex Academy',
      brandLogoUrl: 'https://cdn.globex.example/logo.png',
      brandPrimaryColor,
    });
    expect(branded.statusCode, branded.body).toBe(200);
    const email = `invitee${counter}-${Date.now()}@example.com`;
    const invited = await rig.h.app.inject({
      method: 'POST',
      url: `/organizations/${organizationId}/invitations`,
      headers: root.headers,
      payload: { email },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    return { organizationId, token: tokenOf((await smtp.waitFor(email)).link) };
  }

  it('keeps an organization brand through PATCH, checked, and clears it with null', async () => {
    const { organizationId } = await brandedInvitation();
    const shown = await rig.h.app.inject({ url: `/organizations/${organizationId}`, headers: root.headers });
    expect(shown.json()).toMatchObject({
      brandName: 'Globex Academy',
      brandLogoUrl: 'https://cdn.globex.example/logo.png',
      brandPrimaryColor: '#7a1fa2',
    });
    for (const wrong of [
      { brandPrimaryColor: 'red' },
      { brandPrimaryColor: '#12345' },
      { brandLogoUrl: 'http://cdn.example/logo.png' },
      { brandName: '' },
    ]) {
      expect((await patch(organizationId, wrong)).statusCode).toBe(400);
    }
    const cleared = await patch(organizationId, { brandName: null, brandLogoUrl: null, brandPrimaryColor: null });
    expect(cleared.json()).toMatchObject({ brandName: null, brandLogoUrl: null, brandPrimaryColor: null });
  });

  for (const language of ['en', 'de'] as const) {
    it(`shows the organization's brand on its invitation page, the support address in the footer (both widths, ${language})`, async () => {
      const { token } = await brandedInvitation();
      const context = await rig.context({ language, axe: true });
      const page = await context.newPage();
      await page.goto(`${rig.base}/accept-invitation?token=${encodeURIComponent(token)}`);
      expect(await page.title()).toMatch(/· Globex Academy$/);
      expect(await page.locator('header .brand').textContent()).toContain('Globex Academy');
      expect(await page.locator('header .brand img').getAttribute('src')).toBe('https://cdn.globex.example/logo.png');
      const stylesheet = await page.locator('link[href^="/hosted/brand.css"]').getAttribute('href');
      expect((await rig.h.app.inject({ url: stylesheet as string })).body).toContain(':root{--primary:#7a1fa2;');
      expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--primary').trim())).toBe('#7a1fa2');
      await page.getByText('help@tessera.example').waitFor();
      await checkPageAtEachWidth(page);

      // Elsewhere the deployment's brand.
      await page.goto(`${rig.base}/sign-in`);
      expect(await page.title()).toMatch(/· Tessera Cloud$/);
      await page.getByText('help@tessera.example').waitFor();
      await context.close();
    }, 60_000);
  }

  // A brand colour is whatever the organization chose: a light one under white words, or a dark one as a link on the
  // dark scheme's card, would be unreadable. The words on it, and the links in it, keep their contrast in both schemes.
  for (const [color, scheme] of [
    ['#f5c518', 'light'],
    ['#f5c518', 'dark'],
    ['#7a1fa2', 'light'],
    ['#7a1fa2', 'dark'],
  ] as const) {
    it(`keeps the buttons and links of a ${color} brand readable in the ${scheme} scheme (axe, both widths)`, async () => {
      const { token } = await brandedInvitation(color);
      const context = await rig.context({ axe: true });
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${rig.base}/accept-invitation?token=${encodeURIComponent(token)}`);
      await page.getByRole('button', { name: 'Accept invitation' }).waitFor();
      // The button keeps the brand's own colour; only the words on it and the links adapt.
      const button = await page
        .getByRole('button', { name: 'Accept invitation' })
        .evaluate((element) => getComputedStyle(element).backgroundColor);
      const [r, g, b] = [1, 3, 5].map((at) => Number.parseInt(color.slice(at, at + 2), 16));
      expect(button).toBe(`rgb(${r}, ${g}, ${b})`);
      await checkPageAtEachWidth(page);
      await context.close();
    }, 60_000);
  }

  it('writes nothing but a #rrggbb colour into the brand stylesheet', async () => {
    const res = await rig.h.app.inject({ url: `/hosted/brand.css?c=${encodeURIComponent('red}body{display:none')}` });
    expect(res.body).toBe('');
  });
});
