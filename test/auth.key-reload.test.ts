import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateSigningKey } from '../src/modules/auth/signing-keys.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, login } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

const RELOAD_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid as string;

/**
 * Signing keys are reread every SIGNING_KEY_RELOAD_INTERVAL. Every flow that signs a token inside its
 * transaction must keep working once a reload is due: with the reload inside the transaction, PGlite
 * deadlocked on its one connection (and the top-level guard now refuses it outright).
 */
describe('sign-in flows once a signing-key reload is due', () => {
  let h: Harness;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      config: {
        SIGNING_KEY_RELOAD_INTERVAL: `${RELOAD_MS}ms`,
        SMTP_URL: smtp.url,
        MAIL_POLL_INTERVAL: '50ms',
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, payload, headers });
  const me = (accessToken: string) => h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${accessToken}` } });

  it('signs in, refreshes, answers /auth/me, changes and resets passwords after several reload intervals', async () => {
    const user = await createUser(h, { email: 'after-reload@example.com' });
    const first = await login(h, user.email, user.password);
    await sleep(RELOAD_MS * 3);

    const second = await login(h, user.email, user.password);
    expect((await me(second.accessToken)).statusCode).toBe(200);
    const refreshed = await post('/auth/refresh-token', { refreshToken: first.refreshToken });
    expect(refreshed.statusCode).toBe(200);
    expect((await me(refreshed.json().accessToken)).statusCode).toBe(200);
    await sleep(RELOAD_MS * 2);

    const changedPassword = 'a changed passphrase here';
    const change = await post(
      '/auth/change-password',
      { currentPassword: user.password, newPassword: changedPassword },
      { authorization: `Bearer ${second.accessToken}` },
    );
    expect(change.statusCode).toBe(204);
    await sleep(RELOAD_MS * 2);

    expect((await post('/auth/forgot-password', { email: user.email })).statusCode).toBe(202);
    const token = tokenOf((await smtp.waitFor(user.email, /Reset your password/)).link);
    await sleep(RELOAD_MS * 2);
    const resetPassword = 'a reset passphrase of mine';
    expect((await post('/auth/reset-password', { token, password: resetPassword })).statusCode).toBe(204);
    const after = await login(h, user.email, resetPassword);
    expect((await me(after.accessToken)).statusCode).toBe(200);
  });

  it('serves 20 concurrent clients signing in, refreshing and reading /auth/me across reloads', async () => {
    const people = await Promise.all(Array.from({ length: 20 }, (_, index) => createUser(h, { email: `crowd${index}@example.com` })));
    const round = () =>
      Promise.all(
        people.map(async (person) => {
          const session = await login(h, person.email, person.password);
          const refreshed = await post('/auth/refresh-token', { refreshToken: session.refreshToken });
          const read = await me(refreshed.json().accessToken);
          return [refreshed.statusCode, read.statusCode];
        }),
      );
    expect((await round()).flat().every((status) => status === 200)).toBe(true);
    await sleep(RELOAD_MS * 3);
    expect((await round()).flat().every((status) => status === 200)).toBe(true);
  });

  it('picks up a key rotated elsewhere on the next reload, with no request asking for it', async () => {
    const user = await createUser(h);
    const before = kidOf((await login(h, user.email, user.password)).accessToken);
    const rotated = await rotateSigningKey(h.context.database.primary, h.context.config);
    expect(rotated).not.toBe(before);
    await sleep(RELOAD_MS * 3);
    const after = await login(h, user.email, user.password);
    expect(kidOf(after.accessToken)).toBe(rotated);
    expect((await me(after.accessToken)).statusCode).toBe(200);
  });
});
