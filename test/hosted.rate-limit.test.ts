import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { createUser, guessUntilHeld } from './helpers/auth.js';

// The hosted forms that check a password, a code or a mailed link count in the per-IP budget of the API's
// credential routes (AUTH_RATE_LIMIT_PER_MINUTE), one budget for both: spraying guesses over the pages gains nothing.
describe('per-IP limit on the hosted pages', () => {
  const LIMIT = 5;
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  }, 120_000);
  afterAll(async () => h?.close());

  const post = (app: Harness['app'], url: string, ip: string, fields: Record<string, string> = {}, language = 'en') =>
    app.inject({
      method: 'POST',
      url,
      remoteAddress: ip,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', 'accept-language': language },
      payload: new URLSearchParams({ csrf: 'anonymous', ...fields }).toString(),
    });
  const signIn = (ip: string, attempt: number, language?: string) =>
    post(h.app, '/sign-in', ip, { identifier: `nobody-${attempt}@example.com`, password: 'a sprayed password' }, language);
  const apiLogin = (app: Harness['app'], ip: string, attempt: number) =>
    app.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress: ip,
      payload: { email: `nobody-${attempt}@example.com`, password: 'a sprayed password' },
    });

  it('answers /sign-in past the budget with a page in its language, 429 and Retry-After; another IP and GET are not limited', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < LIMIT; attempt++) statuses.push((await signIn('198.51.100.1', attempt)).statusCode);
    expect(statuses).toEqual(Array(LIMIT).fill(401));

    const refused = await signIn('198.51.100.1', LIMIT, 'de');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.headers['content-language']).toBe('de');
    expect(refused.body).toContain('<html lang="de">');
    expect(refused.body).toContain('<h1>Bitte warten</h1>');
    expect(refused.body).toMatch(/<p role="alert">Zu viele Versuche\. Bitte warten Sie \d+ Sekunden\.<\/p>/);

    expect((await h.app.inject({ method: 'GET', url: '/sign-in', remoteAddress: '198.51.100.1' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/forgot-password', remoteAddress: '198.51.100.1' })).statusCode).toBe(200);
    expect((await signIn('198.51.100.2', 0)).statusCode).toBe(401);
  });

  it('says "1 second" when one second is left on the window, in either language', async () => {
    for (const [ip, language, words] of [
      ['198.51.100.7', 'en', 'Too many attempts. Try again in 1 second.'],
      ['198.51.100.8', 'de', 'Zu viele Versuche. Bitte warten Sie 1 Sekunde.'],
    ] as const) {
      // A budget spent with less than a second of its window left.
      await h.context.state.set(`auth-ip:${ip}`, String(LIMIT), 900);
      const page = await signIn(ip, LIMIT, language);
      expect(page.statusCode).toBe(429);
      expect(page.headers['retry-after']).toBe('1');
      expect(page.body).toContain(`<p role="alert">${words}</p>`);
    }
  });

  it('shares one budget with POST /auth/login, whichever is spent first', async () => {
    for (let attempt = 0; attempt < LIMIT; attempt++) expect((await apiLogin(h.app, '198.51.100.3', attempt)).statusCode).toBe(401);
    const page = await signIn('198.51.100.3', LIMIT);
    expect(page.statusCode).toBe(429);
    expect(page.body).toMatch(/<p role="alert">Too many attempts\. Try again in \d+ seconds\.<\/p>/);

    for (let attempt = 0; attempt < LIMIT; attempt++) expect((await signIn('198.51.100.4', attempt)).statusCode).toBe(401);
    const api = await apiLogin(h.app, '198.51.100.4', LIMIT);
    expect(api.statusCode).toBe(429);
    expect(api.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('counts every form that checks a credential or a link, and no other', async () => {
    for (let attempt = 0; attempt < LIMIT; attempt++) await apiLogin(h.app, '198.51.100.5', attempt);
    const limited = [
      '/sign-in',
      '/sign-up',
      '/forgot-password',
      '/reset-password',
      '/verify-email',
      '/confirm-email-change',
      '/revert-email-change',
      '/accept-invitation',
      '/change-password',
      '/sign-in/second-factor',
      '/sign-in/second-factor/passkey',
      '/sign-in/passkey',
      '/sign-in/enrol',
      '/account/authenticator',
      '/account/email',
      '/account/password',
      '/account/delete',
    ];
    const answers = await Promise.all(limited.map(async (url) => ({ url, status: (await post(h.app, url, '198.51.100.5')).statusCode })));
    expect(answers).toEqual(limited.map((url) => ({ url, status: 429 })));
    // Signing out checks no secret, nor does a passkey ceremony's start (its options: auth.ceremony-starts.test.ts):
    // never refused for the guesses of others behind the same address.
    expect((await post(h.app, '/sign-out', '198.51.100.5')).statusCode).toBe(303);
    for (const url of ['/sign-in/second-factor/passkey-options', '/sign-in/passkey/options']) {
      expect((await post(h.app, url, '198.51.100.5')).statusCode, url).not.toBe(429);
    }
  });

  // Each account form that takes the current password, what it sends besides a guess, and the field that answers.
  const passwordForms: [string, string, (guess: string) => Record<string, string>, string][] = [
    [
      'change the password',
      '/account/password',
      (guess) => ({ currentPassword: guess, newPassword: 'a changed passphrase' }),
      'currentPassword',
    ],
    ['change the address', '/account/email', (guess) => ({ newEmail: 'a-new-address@example.com', emailPassword: guess }), 'emailPassword'],
    ['delete the account', '/account/delete', (guess) => ({ password: guess, confirm: 'yes' }), 'password'],
  ];

  it.each(passwordForms)(
    'answers wrong passwords given to %s, as the sign-in throttle holds them, with the wait on the field',
    async (_, path, fields, field) => {
      const ip = `198.51.100.${10 + passwordForms.findIndex(([, form]) => form === path)}`;
      const user = await createUser(h, { password: 'an account passphrase' });
      const signedIn = await post(h.app, '/sign-in', ip, { identifier: user.email, password: 'an account passphrase' });
      const cookie = String(signedIn.headers['set-cookie']).split(';')[0] as string;
      const form = await h.app.inject({
        method: 'GET',
        url: path === '/account/delete' ? path : '/account',
        remoteAddress: ip,
        headers: { cookie },
      });
      const csrf = form.body.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';
      const { answered, held } = await guessUntilHeld(async (attempt) => {
        // The per-IP budget out of the way: what holds these guesses is the account's throttle.
        await h.context.state.del(`auth-ip:${ip}`);
        const page = await h.app.inject({
          method: 'POST',
          url: path,
          remoteAddress: ip,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', cookie },
          payload: new URLSearchParams({ csrf, ...fields(`guess ${attempt}`) }).toString(),
        });
        const error = page.body.match(new RegExp(`<p class="field-error" id="${field}-error">([^<]*)</p>`))?.[1];
        return { statusCode: page.statusCode, headers: page.headers, json: () => ({ code: error }) };
      });
      expect(answered.length).toBeGreaterThanOrEqual(5);
      expect(new Set(answered)).toEqual(new Set(['The current password is not right.']));
      expect(held).toMatch(/^Too many attempts\. Try again in \d+ seconds?\.$/);
      expect(await h.app.modules.users.findByEmail(h.context.database.primary, user.email)).toMatchObject({ status: 'ACTIVE' });
    },
  );

  it('holds across nodes: a budget spent on one node is spent on the other', async () => {
    const peer = await createPeer(h);
    try {
      for (let attempt = 0; attempt < LIMIT; attempt++) expect((await signIn('198.51.100.6', attempt)).statusCode).toBe(401);
      expect((await apiLogin(peer.app, '198.51.100.6', LIMIT)).statusCode).toBe(429);
      expect((await post(peer.app, '/forgot-password', '198.51.100.6', { email: 'a@example.com' })).statusCode).toBe(429);
    } finally {
      await peer.close();
    }
  });
});
