import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { queryRows } from '../src/db/client.js';
import { prepareDatabase } from '../src/startup.js';
import { createHarness, type Harness, testConfig } from './helpers/app.js';
import { createUser, login } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp.js';

const password = 'a long and quite unusual passphrase';

async function count(h: Harness, query: ReturnType<typeof sql>) {
  const [row] = await queryRows<{ n: number }>(h.context.database.primary, query);
  return row?.n ?? 0;
}

describe('registration never reveals an account (issue 9, item 5)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(() => h.close());

  const register = (payload: object) => h.app.inject({ method: 'POST', url: '/auth/register', payload });

  it('answers 50 parallel registrations of one new address alike and makes exactly one account', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => register({ email: 'race@example.com', password })));
    expect(new Set(answers.map((res) => `${res.statusCode} ${res.body}`))).toEqual(new Set([answers[0] && `202 ${answers[0].body}`]));
    expect(await count(h, sql`SELECT count(*)::int AS n FROM users WHERE email = 'race@example.com'`)).toBe(1);
    // The one account got its confirmation; the losers of the race told its owner someone tried again (capped per hour).
    const mails = await queryRows<{ template: string }>(
      h.context.database.primary,
      sql`SELECT template FROM email_outbox WHERE to_address = 'race@example.com'`,
    );
    expect(mails.filter((mail) => mail.template === 'verifyEmail')).toHaveLength(1);
    expect(mails.filter((mail) => mail.template === 'accountExists').length).toBeGreaterThan(0);
  });

  it('answers a taken username or phone as a new account, creating nothing and mailing nobody', async () => {
    const owner = await createUser(h, { username: 'taken_name' });
    await h.context.database.primary.execute(sql`UPDATE users SET phone = '+15550000001' WHERE id = ${owner.id}`);
    const fresh = await register({ email: 'fresh-one@example.com', password, username: 'fresh_name', phone: '+15550000002' });
    const byUsername = await register({ email: 'second@example.com', password, username: 'TAKEN_name' });
    const byPhone = await register({ email: 'third@example.com', password, phone: '+15550000001' });
    for (const res of [byUsername, byPhone]) {
      expect(res.statusCode).toBe(202);
      expect(res.body).toBe(fresh.body);
    }
    expect(await count(h, sql`SELECT count(*)::int AS n FROM users WHERE email IN ('second@example.com', 'third@example.com')`)).toBe(0);
    expect(
      await count(
        h,
        sql`SELECT count(*)::int AS n FROM email_outbox WHERE to_address IN ('second@example.com', 'third@example.com', ${owner.email})`,
      ),
    ).toBe(0);
    expect(await count(h, sql`SELECT count(*)::int AS n FROM users WHERE email = 'fresh-one@example.com'`)).toBe(1);
  });
});

describe('limits that spare legitimate users (issue 9, item 8)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      config: { AUTH_RATE_LIMIT_PER_MINUTE: '3', AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '8', AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: '12' },
    });
  });
  afterAll(() => h.close());

  const office = '192.0.2.44';

  it('limits credential routes per IP but not what signed-in users call, which is limited per user', async () => {
    const [alice, bob] = [await createUser(h), await createUser(h)];
    const signIn = async (user: typeof alice) => {
      const payload = { email: user.email, password: user.password };
      const res = await h.app.inject({ method: 'POST', url: '/auth/login', payload, remoteAddress: office });
      expect(res.statusCode).toBe(200);
      return { authorization: `Bearer ${res.json().accessToken}` };
    };
    const [aliceHeaders, bobHeaders] = [await signIn(alice), await signIn(bob)];
    const get = (url: string, headers: Record<string, string>) => h.app.inject({ method: 'GET', url, headers, remoteAddress: office });

    // The two sign-ins gave their counts back; the office's three mailings spend the budget, and its signed-in users carry on.
    const forgot = () =>
      h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: alice.email }, remoteAddress: office });
    const mailings = [];
    for (let i = 0; i < 4; i++) mailings.push((await forgot()).statusCode);
    expect(mailings).toEqual([202, 202, 202, 429]);
    const statuses = [];
    for (const url of ['/auth/me', '/auth/sessions', '/auth/api-keys', '/auth/me'])
      statuses.push((await get(url, aliceHeaders)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect((await get('/auth/me', aliceHeaders)).statusCode).toBe(200);

    // Per user: Alice's budget runs out, Bob's (same IP) does not.
    const more = [];
    for (let i = 0; i < 5; i++) more.push((await get('/auth/me', aliceHeaders)).statusCode);
    expect(more).toEqual([200, 200, 200, 429, 429]);
    const refused = await get('/auth/me', aliceHeaders);
    expect(refused.json().code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get('/auth/me', bobHeaders)).statusCode).toBe(200);
  });

  // A class or an office signs in from one address at nine: each sign-in that proves its password gives its count
  // back, so the budget is spent by failures (and by what mails or starts a ceremony), never by people getting in.
  it('lets any number of people sign in from one address, through the API and the hosted pages, and still holds their guesses', async () => {
    const school = '192.0.2.46';
    const people = await Promise.all(Array.from({ length: 8 }, () => createUser(h)));
    const apiSignIn = (user: (typeof people)[number], password = user.password) =>
      h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password }, remoteAddress: school });
    const pageSignIn = (user: (typeof people)[number], password = user.password) =>
      h.app.inject({
        method: 'POST',
        url: '/sign-in',
        remoteAddress: school,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        payload: new URLSearchParams({ csrf: 'anonymous', identifier: user.email, password }).toString(),
      });
    const statuses = [];
    for (const person of people) statuses.push((await apiSignIn(person)).statusCode, (await pageSignIn(person)).statusCode);
    expect(statuses).toEqual(people.flatMap(() => [200, 303]));

    // Guesses from there are held as before: three failures (two of them at once), then nobody, right password or not.
    const [first, second, third] = people as [(typeof people)[number], (typeof people)[number], (typeof people)[number]];
    const atOnce = await Promise.all([apiSignIn(first, 'guess one'), pageSignIn(second, 'guess two')]);
    expect(atOnce.map((res) => res.statusCode)).toEqual([401, 401]);
    expect((await apiSignIn(third, 'guess three')).statusCode).toBe(401);
    expect([(await apiSignIn(first)).statusCode, (await pageSignIn(second)).statusCode]).toEqual([429, 429]);
  });

  it('holds a burst of guesses sent at once to the budget: each is counted before it is checked', async () => {
    const burst = '192.0.2.47';
    const person = await createUser(h);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: person.email, password: `guess ${i}` },
          remoteAddress: burst,
        }),
      ),
    );
    const statuses = answers.map((res) => res.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(9);
  });

  // Every client refreshes every few minutes with a token nobody can guess: an office of a few hundred behind one NAT
  // would spend the sign-in budget on refreshes alone, and then nobody there could sign in.
  it('counts refreshes and code redemptions in a budget of their own, apart from sign-in, and still limits a flood of them', async () => {
    const nat = '192.0.2.45';
    const [alice, bob, carol] = [await createUser(h), await createUser(h), await createUser(h)];
    const signIn = (user: typeof alice) =>
      h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password }, remoteAddress: nat });
    const refresh = (refreshToken: string) =>
      h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken }, remoteAddress: nat });
    const signedIn = await signIn(alice);
    expect(signedIn.statusCode).toBe(200);
    let refreshToken = signedIn.json().refreshToken as string;
    const refreshes = [];
    for (let i = 0; i < 11; i++) {
      const res = await refresh(refreshToken);
      refreshes.push(res.statusCode);
      if (res.statusCode === 200) refreshToken = res.json().refreshToken;
    }
    expect(refreshes).toEqual(Array(11).fill(200));

    // The sign-in budget is the office's still, and it still holds: three wrong passwords spend it.
    const wrong = () =>
      h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: bob.email, password: 'not it' }, remoteAddress: nat });
    expect([(await signIn(carol)).statusCode, (await wrong()).statusCode, (await wrong()).statusCode]).toEqual([200, 401, 401]);
    expect([(await wrong()).statusCode, (await wrong()).statusCode]).toEqual([401, 429]);
    // An app's code is redeemed from the token budget, not the spent sign-in one: the twelfth of the minute.
    const code = await h.app.inject({
      method: 'POST',
      url: '/auth/oauth/token',
      payload: { code: 'c'.repeat(43), codeVerifier: 'v'.repeat(43) },
      remoteAddress: nat,
    });
    expect([code.statusCode, code.json().code]).toEqual([400, 'OAUTH_CODE_INVALID']);
    const flooded = await refresh(refreshToken);
    expect([flooded.statusCode, flooded.json().code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(flooded.headers['retry-after'])).toBeGreaterThan(0);
    expect((await h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken } })).statusCode).toBe(200);
  });
});

describe('policy gaps (issue 9, item 10) and mail delivery', () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    // A poll an hour apart: only the wake-up after commit can deliver within the test.
    h = await createHarness({ config: { SMTP_URL: smtp.url, MAIL_POLL_INTERVAL: '1h', AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  it('names the missing password of a sign-in', async () => {
    for (const payload of [{ email: 'someone@example.com' }, { username: 'someone' }]) {
      const res = await h.app.inject({ method: 'POST', url: '/auth/login', payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/password' }] });
    }
    const neither = await h.app.inject({ method: 'POST', url: '/auth/login', payload: { password } });
    expect(neither.json().code).toBe('VALIDATION_FAILED');
    const stranger = await h.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'someone@example.com', password, role: 'x' },
    });
    expect(stranger.json()).toMatchObject({ code: 'FIELD_NOT_ALLOWED', errors: [{ path: '/role' }] });
  });

  it('sends a mail as soon as the change that causes it commits', async () => {
    const user = await createUser(h);
    await login(h, user.email, user.password);
    const started = Date.now();
    expect((await h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: user.email } })).statusCode).toBe(202);
    await smtp.waitFor(user.email, /Reset your password/, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('the bootstrap admin (issue 9, item 10)', () => {
  it('refuses to start with a BOOTSTRAP_ADMIN_PASSWORD the password policy refuses, before touching the database', async () => {
    const start = (password: string) => {
      const config = testConfig({ BOOTSTRAP_ADMIN_EMAIL: 'root@example.com', BOOTSTRAP_ADMIN_PASSWORD: password });
      return prepareDatabase({ config } as AppContext, { info: () => undefined });
    };
    await expect(start('password')).rejects.toThrow(ConfigError);
    await expect(start('password')).rejects.toThrow('Invalid configuration: BOOTSTRAP_ADMIN_PASSWORD must be at least 10 characters');
    await expect(start('qwertyuiop')).rejects.toThrow(/BOOTSTRAP_ADMIN_PASSWORD is too common/);
    await expect(start('root@example.com')).rejects.toThrow(/BOOTSTRAP_ADMIN_PASSWORD must not be your email or name/);
  });
});
