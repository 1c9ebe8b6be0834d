import { createServer } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { sha256 } from '../src/modules/auth/secrets.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser } from './helpers/auth.js';
import { startSmtpReceiver } from './helpers/smtp.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe('passwords and abuse resistance', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(() => h.close());

  const post = (url: string, payload: object | string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', ...headers } });

  it('applies the NIST policy: length, block-list, no truncation', async () => {
    const short = await post('/auth/register', { email: 'p1@example.com', password: 'ninechars' });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors).toEqual([{ path: '/password', message: 'must be at least 10 characters' }]);
    const common = await post('/auth/register', { email: 'p2@example.com', password: 'qwertyuiop' });
    expect(common.json().errors?.[0]?.message).toMatch(/too common/);
    const long = 'a'.repeat(64) + ' correct horse battery staple '.repeat(3).slice(0, 64);
    expect([...long]).toHaveLength(128);
    expect((await post('/auth/register', { email: 'p3@example.com', password: long })).statusCode).toBe(202);
    expect((await post('/auth/login', { email: 'p3@example.com', password: long })).statusCode).toBe(200);
    const tooLong = await post('/auth/register', { email: 'p4@example.com', password: `${long}x` });
    expect(tooLong.json().errors?.[0]?.message).toBe('must be at most 128 characters');

    // bcrypt would stop at 72 bytes; argon2 and Tessera use every character.
    const eighty = `${'x'.repeat(72)}distinct`;
    await post('/auth/register', { email: 'p5@example.com', password: eighty });
    expect((await post('/auth/login', { email: 'p5@example.com', password: eighty.slice(0, 72) })).statusCode).toBe(401);
    expect((await post('/auth/login', { email: 'p5@example.com', password: eighty })).statusCode).toBe(200);

    // Unicode is normalised: the composed and decomposed forms of one passphrase are the same password.
    await post('/auth/register', { email: 'p6@example.com', password: 'crème brûlée forever' });
    expect((await post('/auth/login', { email: 'p6@example.com', password: 'cre\u0300me bru\u0302le\u0301e forever' })).statusCode).toBe(
      200,
    );
  });

  it('refuses a megabyte body before any hashing, and malformed JSON with a clear problem', async () => {
    const huge = await post('/auth/login', { email: 'x@example.com', password: 'p'.repeat(1024 * 1024) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('BODY_TOO_LARGE');
    const overLong = await post('/auth/login', { email: 'x@example.com', password: 'p'.repeat(300) });
    expect(overLong.statusCode).toBe(400);
    const malformed = await post('/auth/login', '{"email": "x@example.com", "password": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
    expect(malformed.json().code).toBe('MALFORMED_JSON');
  });

  it('answers unknown account, wrong password and suspended account the same way', async () => {
    const active = await createUser(h);
    const suspended = await createUser(h, { status: 'SUSPENDED' });
    const answers = await Promise.all([
      post('/auth/login', { email: 'nobody-at-all@example.com', password: 'whatever passphrase' }),
      post('/auth/login', { email: active.email, password: 'whatever passphrase' }),
      post('/auth/login', { email: suspended.email, password: suspended.password }),
    ]);
    for (const res of answers) expect(res.statusCode).toBe(401);
    expect(new Set(answers.map((res) => res.body)).size).toBe(1);
  });

  // 110 password checks: minutes of CPU on a busy machine, never a measure of its speed (the ratio is).
  it('takes about as long for an unknown account as for a wrong password', { timeout: 180_000 }, async () => {
    const user = await createUser(h, { email: 'timing@example.com' });
    const unknown: number[] = [];
    const wrong: number[] = [];
    const attempt = async (email: string, round: number) => {
      const started = performance.now();
      await post('/auth/login', { email, password: `wrong passphrase ${round}` });
      return performance.now() - started;
    };
    // Five unmeasured rounds warm both paths; then the order alternates (ABBA) so drift in the
    // machine's load falls on both sides alike.
    for (let round = -5; round < 50; round++) {
      const pair = [`ghost${round}@example.com`, user.email] as const;
      const order = round % 2 === 0 ? pair : ([pair[1], pair[0]] as const);
      for (const email of order) {
        const took = await attempt(email, round);
        if (round >= 0) (email === user.email ? wrong : unknown).push(took);
      }
      // Keep the sign-in throttle (the identifier's and the account's counts, and this source's) out of the measurement.
      const source = sha256('127.0.0.1');
      const counted = [sha256(user.email), `account:${user.id}`].flatMap((subject) => [`login-fail:${subject}`, `login-last:${subject}`]);
      await h.context.state.del(...counted.flatMap((key) => [key, `${key}:${source}`]));
    }
    // Each round's two answers were measured side by side: their ratio cancels the machine's drift in load, which
    // on a busy CI moved the two medians apart by itself. An answer that skips the password check is a ratio near 0.
    const ratio = median(unknown.map((took, round) => took / (wrong[round] as number)));
    expect(Math.abs(ratio - 1)).toBeLessThan(0.25);
  });

  it('lets exactly five of 50 parallel wrong logins be checked and throttles the identifier, leaving reset usable', async () => {
    const user = await createUser(h, { email: 'hammered@example.com' });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => post('/auth/login', { email: user.email, password: 'not the password' })),
    );
    // After the five free attempts the waits are 1 s, 2 s, 4 s …: a loaded machine that spreads the batch over
    // n seconds may rightly check up to log2(n + 1) more, and within a second not one.
    const laterAllowed = Math.floor(Math.log2((Date.now() - started) / 1000 + 1));
    const statuses = results.map((res) => res.statusCode);
    const checked = statuses.filter((status) => status === 401).length;
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(checked - 5).toBeLessThanOrEqual(laterAllowed);
    expect(statuses.filter((status) => status === 429)).toHaveLength(50 - checked);

    const right = await post('/auth/login', { email: user.email, password: user.password });
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // The same for an identifier no account has: a 429 reveals nothing.
    for (let attempt = 0; attempt < 7; attempt++) await post('/auth/login', { email: 'phantom@example.com', password: 'not the password' });
    expect((await post('/auth/login', { email: 'phantom@example.com', password: 'not the password' })).statusCode).toBe(429);

    expect((await post('/auth/forgot-password', { email: user.email })).statusCode).toBe(202);
  });

  it("gives an account's email and username one budget of guesses, answering a held account as an unknown identifier", async () => {
    const user = await createUser(h, { email: 'two-names@example.com', username: 'two_names' });
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await post('/auth/login', { email: user.email, password: `wrong guess ${attempt}` })).statusCode).toBe(401);
    // The email's five guesses spent the account's: through the username even the right password is not checked.
    const throughUsername = await post('/auth/login', { username: 'two_names', password: user.password });
    const unknownUsername = await post('/auth/login', { username: 'nobody_has_this', password: user.password });
    expect(throughUsername.statusCode).toBe(401);
    // No 429: an identifier no account has answers the same, so nothing tells that the two identifiers are one account.
    expect(throughUsername.body).toBe(unknownUsername.body);
    expect(throughUsername.headers['content-type']).toBe(unknownUsername.headers['content-type']);
  });

  it('caps account mails per address per hour', async () => {
    const capped = await createHarness({ db: undefined, config: { MAX_EMAILS_PER_HOUR: '2', AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    try {
      const user = await createUser(capped, { email: 'inbox@example.com' });
      for (let i = 0; i < 5; i++) {
        const res = await capped.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: user.email } });
        expect(res.statusCode).toBe(202);
      }
      const [row] = await queryRows<{ n: number }>(
        capped.context.database.primary,
        sql`SELECT count(*)::int AS n FROM email_outbox WHERE to_address = 'inbox@example.com'`,
      );
      expect(row?.n).toBe(2);
    } finally {
      await capped.close();
    }
  });
});

describe('per-IP limit on /auth/*', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '5' } });
  }, 120_000);
  afterAll(async () => h?.close());

  const forgotPassword = (remoteAddress: string) =>
    h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: 'a@example.com' }, remoteAddress });

  it('answers 429 with Retry-After past the limit', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await forgotPassword('203.0.113.9');
      statuses.push(res.statusCode);
      retryAfter ??= res.headers['retry-after'] as string | undefined;
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await forgotPassword('203.0.113.10')).statusCode).toBe(202);
  });

  // Every IPv6 customer holds a /64: a budget per address would be one an attacker never spends.
  it('gives an IPv6 /64 one budget, another /64 its own, and an IPv4-mapped address its IPv4 budget', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) statuses.push((await forgotPassword(`2001:db8:a:b::${i}`)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect((await forgotPassword('2001:db8:a:b:ffff:ffff:ffff:ffff')).statusCode).toBe(429);
    expect((await forgotPassword('2001:db8:a:c::1')).statusCode).toBe(202);

    for (let i = 0; i < 5; i++) expect((await forgotPassword('198.51.100.44')).statusCode).toBe(202);
    expect((await forgotPassword('::ffff:198.51.100.44')).statusCode).toBe(429);
  });
});

/** A port nothing listens on (an SMTP server that is down), where one can be started later. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

describe('mail delivery while SMTP is down', () => {
  it('answers 202 at once and delivers once SMTP is back', async () => {
    const port = await freePort();
    const h = await createHarness({
      config: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_POLL_INTERVAL: '50ms', MAIL_RETRY_BACKOFF: '100ms' },
    });
    try {
      const user = await createUser(h, { email: 'patient@example.com' });
      const res = await h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: user.email } });
      expect(res.statusCode).toBe(202);
      const outboxRow = () =>
        queryRows<{ attempts: number; status: string; text_body: string | null }>(
          h.context.database.primary,
          sql`SELECT attempts, status, text_body FROM email_outbox WHERE to_address = ${user.email}`,
        ).then(([row]) => row);
      const untilItHolds = { timeout: 10_000, interval: 50 };
      const failed = await vi.waitFor(async () => {
        const row = await outboxRow();
        expect(row?.attempts).toBeGreaterThan(0);
        return row;
      }, untilItHolds);
      expect(failed?.status).toBe('PENDING');

      const smtp = await startSmtpReceiver(port);
      try {
        const mail = await smtp.waitFor(user.email, /Reset your password/, 15_000);
        expect(mail.link).toMatch(/^https:\/\/tessera\.test\/reset-password\?token=/);
        // The receiver has the mail before the sender hears its 250 and marks the row sent.
        await vi.waitFor(async () => {
          // Delivered mails keep no body: it held a one-time link.
          expect(await outboxRow()).toMatchObject({ status: 'SENT', text_body: null });
        }, untilItHolds);
      } finally {
        await smtp.close();
      }
    } finally {
      await h.close();
    }
  });
  it('keeps an acknowledged mail past ten failed deliveries while SMTP is unreachable, and delivers it once SMTP is back', async () => {
    const port = await freePort();
    const h = await createHarness({
      config: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_POLL_INTERVAL: '20ms', MAIL_RETRY_BACKOFF: '1ms' },
    });
    try {
      const user = await createUser(h, { email: 'long-outage@example.com' });
      expect((await h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: user.email } })).statusCode).toBe(202);
      const outboxRow = () =>
        queryRows<{ attempts: number; status: string }>(
          h.context.database.primary,
          sql`SELECT attempts, status FROM email_outbox WHERE to_address = ${user.email}`,
        ).then(([row]) => row);
      // Eleven failures at a backoff of 1 ms doubling: about two seconds of an outage that, at MAIL_RETRY_BACKOFF's
      // default, would be an afternoon's.
      await vi.waitFor(async () => expect((await outboxRow())?.attempts).toBeGreaterThanOrEqual(11), { timeout: 15_000, interval: 50 });
      expect((await outboxRow())?.status).toBe('PENDING');
      // Its next turn is a few seconds off; SMTP is back before it.
      const smtp = await startSmtpReceiver(port);
      try {
        await smtp.waitFor(user.email, /Reset your password/, 20_000);
      } finally {
        await smtp.close();
      }
    } finally {
      await h.close();
    }
  }, 60_000);
  it('fails a delivery to an SMTP server that accepts and never answers within seconds, well inside the claim', async () => {
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const h = await createHarness({
      config: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_POLL_INTERVAL: '50ms', MAIL_RETRY_BACKOFF: '1h' },
    });
    try {
      const user = await createUser(h, { email: 'silent-smtp@example.com' });
      const started = Date.now();
      expect((await h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: user.email } })).statusCode).toBe(202);
      const attempts = async () =>
        (
          await queryRows<{ attempts: number }>(
            h.context.database.primary,
            sql`SELECT attempts FROM email_outbox WHERE to_address = ${user.email}`,
          )
        )[0]?.attempts ?? 0;
      // nodemailer's own bound on a server's greeting is 30 seconds, on a silent socket 10 minutes.
      await vi.waitFor(async () => expect(await attempts()).toBe(1), { timeout: 20_000, interval: 100 });
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await h.close();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);
});
