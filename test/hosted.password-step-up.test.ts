import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, loginAs, signInByForm } from './helpers/auth.js';
import { stepAt, totpCode } from './helpers/totp.js';

// /account's password change asks what POST /auth/change-password asks (step-up): a browser signed in with the
// password alone (before the factor was added, or spared the second step by a remembered browser) changes the
// password of a person who has a second factor only once it proved that factor, whatever current password it gives.
describe('hosted password change and the second factor', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  }, 120_000);
  afterAll(async () => h?.close());

  const form = (url: string, cookie: string, fields: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        accept: 'text/html',
        cookie: `${h.app.modules.hosted.cookieName}=${cookie}`,
      },
      payload: new URLSearchParams(fields).toString(),
    });
  const csrfOf = async (cookie: string) => {
    const page = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: `${h.app.modules.hosted.cookieName}=${cookie}` },
    });
    return page.body.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
  };
  /** Whether the password passes the first step (the person has a factor: the sign-in then asks for it). */
  const passwordWorks = async (email: string, password: string) =>
    (await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } })).json().mfaRequired === true;

  it('sends a password-only session of a person with a factor to the second step, and changes nothing until then', async () => {
    const person = await loginAs(h);
    // Signed in on the pages with the password alone (here, before the factor was added; a remembered browser's
    // sign-in is one too), then an authenticator app added.
    const cookie = await signInByForm(h, person.user);
    const started = await h.app.inject({ method: 'POST', url: '/auth/mfa/totp', payload: {}, headers: person.headers });
    const { factorId, secret } = started.json();
    const confirmed = await h.app.inject({
      method: 'POST',
      url: `/auth/mfa/totp/${factorId}/confirm`,
      payload: { code: totpCode(secret, stepAt()) },
      headers: person.headers,
    });
    expect(confirmed.statusCode).toBe(200);

    const change = {
      csrf: await csrfOf(cookie),
      currentPassword: person.user.password,
      newPassword: 'a passphrase set without the factor',
    };
    const refused = await form('/account/password', cookie, change);
    expect(refused.statusCode).toBe(303);
    expect(refused.headers.location).toMatch(/^\/sign-in\/second-factor\?/);
    expect(new URL(String(refused.headers.location), 'http://x').searchParams.get('return_to')).toBe('/account');
    // The password is the one it was.
    expect(await passwordWorks(person.user.email, person.user.password)).toBe(true);
    expect(await passwordWorks(person.user.email, change.newPassword)).toBe(false);

    // The factor proven, the browser is back at /account, and the same change goes through.
    const location = String(refused.headers.location);
    const stepPage = await h.app.inject({
      method: 'GET',
      url: location,
      headers: { cookie: `${h.app.modules.hosted.cookieName}=${cookie}` },
    });
    const token = new URL(location, 'http://x').searchParams.get('token') ?? '';
    const csrf = stepPage.body.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
    const proven = await form('/sign-in/second-factor', cookie, {
      csrf,
      token,
      code: totpCode(secret, stepAt() + 1),
      return_to: '/account',
    });
    expect([proven.statusCode, proven.headers.location]).toEqual([303, '/account']);
    const strong = new RegExp(`${h.app.modules.hosted.cookieName}=([^;]+)`).exec(String(proven.headers['set-cookie']))?.[1] as string;
    const changed = await form('/account/password', strong, { ...change, csrf: await csrfOf(strong) });
    expect(changed.statusCode).toBe(200);
    expect(await passwordWorks(person.user.email, change.newPassword)).toBe(true);
  });

  it('changes the password of a person without a factor with the current password alone, as before', async () => {
    const person = await createUser(h);
    const cookie = await signInByForm(h, person);
    const change = { csrf: await csrfOf(cookie), currentPassword: person.password, newPassword: 'a passphrase changed plainly' };
    const changed = await form('/account/password', cookie, change);
    expect(changed.statusCode).toBe(200);
    expect(
      (await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: person.email, password: change.newPassword } }))
        .statusCode,
    ).toBe(200);
  });
});
