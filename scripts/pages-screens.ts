// `npm run pages:screens`: a screenshot of every hosted page at 1280 and 390 px, in English and German, into
// .ci/out/pages-screens/ (gitignored), from the real app on a fresh embedded database.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createUser } from '../test/helpers/auth.js';
import { startPages } from '../test/helpers/pages.js';

const out = new URL('../.ci/out/pages-screens/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const rig = await startPages({ OAUTH_REDIRECT_ALLOWLIST: 'http://127.0.0.1:9/callback' });
try {
  const user = await createUser(rig.h, { password: 'a screenshot passphrase', firstName: 'Ada', lastName: 'Lovelace' });
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const signedOut = {
    'sign-in': '/sign-in',
    'sign-in-app': `/sign-in?redirect_uri=${encodeURIComponent('http://127.0.0.1:9/callback')}&code_challenge=${challenge}&code_challenge_method=S256&state=s`,
    'sign-in-app-refused': '/sign-in?redirect_uri=https%3A%2F%2Funknown.example%2Fcb&code_challenge=x',
    'sign-up': '/sign-up',
    'forgot-password': '/forgot-password',
    'reset-password': '/reset-password?token=example',
    'verify-email': '/verify-email?token=example',
    'change-password': '/change-password?token=example',
    'accept-invitation-invalid': '/accept-invitation?token=example',
  };
  const written: string[] = [];
  for (const width of [1280, 390]) {
    for (const language of ['en', 'de'] as const) {
      const context = await rig.context({ width, language });
      const page = await context.newPage();
      for (const [name, path] of Object.entries(signedOut)) {
        await page.goto(`${rig.base}${path}`);
        const file = `${out}${name}-${language}-${width}.png`;
        await page.screenshot({ path: file, fullPage: true });
        written.push(file);
      }
      await page.goto(`${rig.base}/sign-in`);
      await page.locator('#identifier').fill(user.email);
      await page.locator('#password').fill('a screenshot passphrase');
      await page.locator('form button[type=submit]').click();
      await page.waitForURL(`${rig.base}/account`);
      for (const [name, path] of Object.entries({ account: `/account?lang=${language}`, 'sign-out': `/sign-out?lang=${language}` })) {
        await page.goto(`${rig.base}${path}`);
        const file = `${out}${name}-${language}-${width}.png`;
        await page.screenshot({ path: file, fullPage: true });
        written.push(file);
      }
      await context.close();
    }
  }
  console.log(written.join('\n'));
} finally {
  await rig.close();
}
