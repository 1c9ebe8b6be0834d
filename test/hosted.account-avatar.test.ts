import { randomBytes } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { checkPageAtEachWidth, type PagesRig, signInOnPage, startPages } from './helpers/pages.js';

const png = () =>
  sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .png()
    .toBuffer();

// The profile picture on /account/avatar in Debian's Chromium: a plain file input (multipart, no JavaScript
// needed), the API's formats and size limit, errors next to the field.
describe.skipIf(!hasChromium)('hosted avatar upload', () => {
  let rig: PagesRig;

  beforeAll(async () => {
    rig = await startPages({ MAX_AVATAR_SIZE_MB: '1', AUTH_RATE_LIMIT_PER_MINUTE: '100000' });
  }, 120_000);
  afterAll(async () => rig?.close());

  const signIn = (context: BrowserContext, email: string, password: string) => signInOnPage(rig, context, email, password);

  for (const javaScript of [true, false]) {
    it(`uploads a picture, and refuses a file that is not an image or too large (${javaScript ? 'with' : 'without'} JavaScript)`, async () => {
      const user = await createUser(rig.h, { password: 'a picture passphrase' });
      const context = await rig.context({ javaScript });
      const page = await signIn(context, user.email, 'a picture passphrase');
      await page.getByRole('link', { name: 'Change your profile picture…' }).click();
      await page.getByText('You have no profile picture yet.').waitFor();

      await page.getByLabel('Picture').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
      await page.getByRole('button', { name: 'Upload picture' }).click();
      await page.locator('#file-error').getByText('This file is not an image in one of the accepted formats.').waitFor();

      await page.getByLabel('Picture').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: randomBytes(1_200_000) });
      await page.getByRole('button', { name: 'Upload picture' }).click();
      await page.locator('#file-error').getByText('This file is larger than 1 MB.').waitFor();

      await page.getByLabel('Picture').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: await png() });
      await page.getByRole('button', { name: 'Upload picture' }).click();
      await page.getByText('Your new picture is saved.').waitFor();
      const avatarUrl = (
        await rig.h.app.modules.hosted.account.profile(
          { ipAddress: null, userAgent: null, requestId: null },
          { userId: user.id, sessionId: '', authTime: new Date(), amr: [], organizationId: null },
        )
      ).profile.avatarUrl as string;
      expect(avatarUrl).toMatch(new RegExp(`^${rig.base}/avatars/`));
      expect(await page.getByRole('img', { name: 'Your current profile picture' }).getAttribute('src')).toBe(avatarUrl);
      const image = await rig.h.app.inject({ url: new URL(avatarUrl).pathname });
      expect([image.statusCode, image.headers['content-type']]).toEqual([200, 'image/webp']);
      await context.close();
    }, 90_000);
  }

  it('refuses a cross-site upload and changes nothing', async () => {
    const boundary = 'x-boundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nanonymous\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nxx\r\n--${boundary}--\r\n`;
    const res = await rig.h.app.inject({
      method: 'POST',
      url: '/account/avatar',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'sec-fetch-site': 'cross-site' },
      payload: body,
    });
    expect(res.statusCode).toBe(403);
  });

  for (const language of ['en', 'de'] as const) {
    it(`passes axe-core at both widths in ${language}, with an error shown`, async () => {
      const user = await createUser(rig.h, { password: 'an axe picture passphrase' });
      const context = await rig.context({ language, axe: true });
      const page = await signIn(context, user.email, 'an axe picture passphrase');
      await page.goto(`${rig.base}/account/avatar?lang=${language}`);
      await page.getByRole('button', { name: language === 'de' ? 'Bild hochladen' : 'Upload picture' }).click();
      await page.locator('#file-error').waitFor();
      await checkPageAtEachWidth(page);
      await context.close();
    }, 60_000);
  }
});
