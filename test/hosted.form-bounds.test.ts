import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, enrolAuthenticator } from './helpers/auth.js';
import { freePort } from './helpers/ports.js';

// A value typed (or pasted) past what the API takes is that field's error on the form again, in the page's language,
// over real HTTP as a browser posts it: never the page saying the request could not be read.
describe('hosted forms and over-long values', () => {
  let h: Harness;
  let base: string;
  const long = 'x'.repeat(5000);

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    h = await createHarness({ config: { PUBLIC_URL: base, AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    await h.app.listen({ port, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => h?.close());

  const post = async (path: string, fields: Record<string, string>, options: { language?: string; cookie?: string } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        'accept-language': options.language ?? 'en',
        'sec-fetch-site': 'same-origin',
        ...(options.cookie ? { cookie: options.cookie } : {}),
      },
      body: new URLSearchParams({ csrf: 'anonymous', ...fields }).toString(),
    });
    return { status: res.status, body: await res.text(), setCookie: res.headers.get('set-cookie') };
  };
  /** The error shown under a field, if any. */
  const fieldError = (body: string, field: string) => body.match(new RegExp(`<p class="field-error" id="${field}-error">([^<]*)</p>`))?.[1];
  const formOf = (body: string, action: string) => body.includes(`<form method="post" action="${action}"`);

  it('answers a 5,000-character identifier or password on /sign-in with the form and the field’s error, in its language', async () => {
    const identifier = await post('/sign-in', { identifier: long, password: 'whatever' }, { language: 'de-DE' });
    expect(identifier.status).toBe(400);
    expect(formOf(identifier.body, '/sign-in')).toBe(true);
    expect(identifier.body).toContain('<html lang="de">');
    expect(fieldError(identifier.body, 'identifier')).toBe('Verwenden Sie höchstens 254 Zeichen.');
    expect(identifier.body).toContain(`value="${long}"`);
    expect(identifier.setCookie).toBeNull();

    const password = await post('/sign-in', { identifier: 'someone@example.com', password: long });
    expect(password.status).toBe(400);
    expect(fieldError(password.body, 'password')).toBe('Use at most 256 characters.');
    expect(fieldError(password.body, 'identifier')).toBeUndefined();
  });

  it('answers over-long values on the sign-up, forgotten-password and second-factor forms with their errors', async () => {
    const signUp = await post('/sign-up', { firstName: long, lastName: 'Long', email: `${long}@example.com`, password: long });
    expect(signUp.status).toBe(400);
    expect(formOf(signUp.body, '/sign-up')).toBe(true);
    expect(fieldError(signUp.body, 'firstName')).toBe('Use at most 100 characters.');
    expect(fieldError(signUp.body, 'lastName')).toBeUndefined();
    expect(fieldError(signUp.body, 'email')).toBe('Enter an email address like name@example.com.');
    expect(fieldError(signUp.body, 'password')).toBe('Use at most 128 characters.');

    const forgot = await post('/forgot-password', { email: `${long}@example.com` });
    expect([forgot.status, formOf(forgot.body, '/forgot-password')]).toEqual([400, true]);
    expect(fieldError(forgot.body, 'email')).toBe('Enter an email address like name@example.com.');

    // The second step's page is shown for a sign-in waiting for it (it offers what the person holds).
    const app = await enrolAuthenticator(h, { password: 'a bounded passphrase' });
    const { mfaToken } = (
      await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: app.user.email, password: 'a bounded passphrase' } })
    ).json();
    const secondFactor = await post('/sign-in/second-factor', { token: mfaToken, method: 'totp', code: long });
    expect([secondFactor.status, formOf(secondFactor.body, '/sign-in/second-factor')]).toEqual([400, true]);
    expect(secondFactor.body).toContain('Use at most 20 characters.');
  });

  it('answers over-long values on the account pages with the account page and the fields’ errors', async () => {
    // An administrator: the keys page offers a form to one who holds permissions a key could carry.
    const user = await createUser(h, { password: 'an account passphrase', roles: ['admin'] });
    const signedIn = await post('/sign-in', { identifier: user.email, password: 'an account passphrase' });
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.setCookie?.split(';')[0] ?? '';
    const account = await (await fetch(`${base}/account`, { headers: { cookie } })).text();
    const csrf = account.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
    const send = (path: string, fields: Record<string, string>) => post(path, { ...fields, csrf }, { cookie });

    const profile = await send('/account/profile', { firstName: long, lastName: 'Kept', bio: 'b'.repeat(6000), language: 'en' });
    expect(profile.status).toBe(400);
    expect(fieldError(profile.body, 'firstName')).toBe('This is too long.');
    expect(fieldError(profile.body, 'bio')).toBe('This is too long.');

    const email = await send('/account/email', { newEmail: 'new-address@example.com', emailPassword: long });
    expect(email.status).toBe(400);
    expect(fieldError(email.body, 'emailPassword')).toBe('Use at most 256 characters.');

    const password = await send('/account/password', { currentPassword: long, newPassword: 'a new account passphrase' });
    expect(password.status).toBe(400);
    expect(fieldError(password.body, 'currentPassword')).toBe('Use at most 256 characters.');

    const deletion = await send('/account/delete', { password: long, confirm: 'yes' });
    expect(deletion.status).toBe(400);
    expect(fieldError(deletion.body, 'password')).toBe('Use at most 256 characters.');

    const keysPage = await (await fetch(`${base}/account/api-keys`, { headers: { cookie } })).text();
    const formId = keysPage.match(/name="formId" value="([^"]+)"/)?.[1] ?? '';
    const key = await send('/account/api-keys', { name: long, scopes: 'users:read', expiresOn: long, formId });
    expect([key.status, formOf(key.body, '/account/api-keys')]).toEqual([400, true]);
    expect(fieldError(key.body, 'name')).toBe('Give the key a name of at most 100 characters.');
    expect(fieldError(key.body, 'expiresOn')).toBe('Choose a day in the future.');
  });

  it('answers a code pasted past any code’s length at authenticator set-up as too long, with the same key, not as a wrong code', async () => {
    const user = await createUser(h, { password: 'an enrolling passphrase' });
    const signedIn = await post('/sign-in', { identifier: user.email, password: 'an enrolling passphrase' });
    const cookie = signedIn.setCookie?.split(';')[0] ?? '';
    const setUp = await (await fetch(`${base}/account/authenticator`, { headers: { cookie } })).text();
    const hidden = (body: string, name: string) => body.match(new RegExp(`name="${name}" value="([^"]+)"`))?.[1] ?? '';
    const key = setUp.match(/<code[^>]*>([A-Z2-7 ]{16,})<\/code>/)?.[1];
    const pasted = await post(
      '/account/authenticator',
      { factor: hidden(setUp, 'factor'), code: long, csrf: hidden(setUp, 'csrf') },
      { cookie },
    );
    expect([pasted.status, formOf(pasted.body, '/account/authenticator')]).toEqual([400, true]);
    expect(pasted.body).toContain('Use at most 20 characters.');
    expect(pasted.body).not.toContain('That code does not match this key.');
    expect(hidden(pasted.body, 'factor')).toBe(hidden(setUp, 'factor'));
    expect(key && pasted.body.includes(key)).toBe(true);
  });

  it('still answers a hidden field past its bound (nobody types a token) with the page saying the form could not be read', async () => {
    const res = await post('/sign-in', { identifier: 'someone@example.com', password: 'whatever', state: long });
    expect(res.status).toBe(400);
    expect(formOf(res.body, '/sign-in')).toBe(false);
    expect(res.body).toContain('<p role="alert">Something in this form is not as expected');
  });
});
