// `npm run pages:screens`: a screenshot of every hosted page at 1280 and 390 px, in English and German, into
// .ci/out/pages-screens/ (gitignored), from the real app on a fresh embedded database; then each page's first
// load over the wire (a fresh browser profile: HTML, CSS and JS as served, and what gzip would make of them)
// into weights.txt beside them.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { BrowserContext } from 'playwright-core';
import { createUser } from '../test/helpers/auth.js';
import { stopChromium } from '../test/helpers/chromium.js';
import { type PagesRig, startPages } from '../test/helpers/pages.js';

const out = new URL('../.ci/out/pages-screens/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
// Two providers from the environment, so that the sign-in page shows its buttons (nobody is sent there).
const rig = await startPages({
  OAUTH_REDIRECT_ALLOWLIST: 'http://127.0.0.1:9/callback',
  OAUTH_GITHUB_CLIENT_ID: 'screens',
  OAUTH_GITHUB_CLIENT_SECRET: 'screens',
  OAUTH_GOOGLE_CLIENT_ID: 'screens',
  OAUTH_GOOGLE_CLIENT_SECRET: 'screens',
});

const signIn = async (context: BrowserContext, email: string) => {
  const page = await context.newPage();
  await page.goto(`${rig.base}/sign-in`);
  await page.locator('#identifier').fill(email);
  await page.locator('#password').fill('a screenshot passphrase');
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(`${rig.base}/account`);
  return page;
};

async function signedInCookies(rigged: PagesRig, email: string) {
  const context = await rigged.context();
  await signIn(context, email);
  const cookies = await context.cookies();
  await context.close();
  return cookies;
}

/** Bytes of one page's first load: what each response put on the wire (body as served), and its body gzipped. */
async function firstLoad(rigged: PagesRig, path: string, email?: string) {
  // Signed in in another profile, whose cookie alone is carried over: this one's cache is empty.
  const cookies = email ? await signedInCookies(rigged, email) : [];
  const context = await rigged.context();
  await context.addCookies(cookies);
  const page = await context.newPage();
  const responses: { url: string; wire: number; gzip: number }[] = [];
  page.on('response', async (response) => {
    const type = response.headers()['content-type'] ?? '';
    if (!/text\/html|text\/css|javascript/.test(type)) return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    const sizes = await response.request().sizes();
    responses.push({ url: response.url(), wire: sizes.responseBodySize + sizes.responseHeadersSize, gzip: gzipSync(body).length });
  });
  await page.goto(`${rigged.base}${path}`, { waitUntil: 'networkidle' });
  await context.close();
  return {
    wire: responses.reduce((sum, response) => sum + response.wire, 0),
    gzip: responses.reduce((sum, response) => sum + response.gzip, 0),
    files: responses.length,
  };
}

try {
  const user = await createUser(rig.h, {
    password: 'a screenshot passphrase',
    firstName: 'Ada',
    lastName: 'Lovelace',
    permissions: ['users:read', 'audit:read'],
  });
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const signedOut = {
    'sign-in': '/sign-in',
    'sign-in-app': `/sign-in?redirect_uri=${encodeURIComponent('http://127.0.0.1:9/callback')}&code_challenge=${challenge}&code_challenge_method=S256&state=s`,
    'sign-in-app-refused': '/sign-in?redirect_uri=https%3A%2F%2Funknown.example%2Fcb&code_challenge=x',
    'sign-in-social-expired': '/sign-in/social/return?code=x&state=y',
    'sign-up': '/sign-up',
    'forgot-password': '/forgot-password',
    'reset-password': '/reset-password?token=example',
    'verify-email': '/verify-email?token=example',
    'change-password': '/change-password?token=example',
    'accept-invitation-invalid': '/accept-invitation?token=example',
  };
  const signedInPages = {
    account: '/account',
    'account-api-keys': '/account/api-keys',
    'account-avatar': '/account/avatar',
    'account-delete': '/account/delete',
    'account-authenticator': '/account/authenticator',
    'sign-out': '/sign-out',
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
      await (await signIn(context, user.email)).close();
      for (const [name, path] of Object.entries(signedInPages)) {
        await page.goto(`${rig.base}${path}${path.includes('?') ? '&' : '?'}lang=${language}`);
        const file = `${out}${name}-${language}-${width}.png`;
        await page.screenshot({ path: file, fullPage: true });
        written.push(file);
      }
      await context.close();
    }
  }
  console.log(written.join('\n'));

  const rows = ['page                         files  wire (as served)  gzip'];
  for (const [name, path] of Object.entries(signedOut)) {
    const load = await firstLoad(rig, path);
    rows.push(`${name.padEnd(28)} ${String(load.files).padStart(5)}  ${String(load.wire).padStart(16)}  ${String(load.gzip).padStart(5)}`);
  }
  for (const [name, path] of Object.entries(signedInPages)) {
    const load = await firstLoad(rig, path, user.email);
    rows.push(`${name.padEnd(28)} ${String(load.files).padStart(5)}  ${String(load.wire).padStart(16)}  ${String(load.gzip).padStart(5)}`);
  }
  writeFileSync(`${out}weights.txt`, `${rows.join('\n')}\n`);
  console.log(rows.join('\n'));
} finally {
  await rig.close();
  await stopChromium();
}
