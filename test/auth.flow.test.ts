import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, guessUntilHeld, login, loginAs } from './helpers/auth.js';
import { pagesOf } from './helpers/pages-of.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

const password = 'a long and quite unusual passphrase';

describe('sign-up, verification, sign-in, refresh, sign-out', () => {
  let h: Harness;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      config: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000', REFRESH_REUSE_GRACE: '300ms' },
    });
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, payload, headers });

  it('goes from registration to a signed-out session that no token can revive', async () => {
    const email = 'Ada.Lovelace@Example.com';
    const registered = await post('/auth/register', { email, password, name: 'Ada King Lovelace', username: 'ada' });
    expect(registered.statusCode).toBe(202);

    const mail = await smtp.waitFor('ada.lovelace@example.com', /Confirm your email/);
    expect(mail.link).toMatch(/^https:\/\/tessera\.test\/verify-email\?token=/);
    expect((await post('/auth/verify-email', { token: tokenOf(mail.link) })).statusCode).toBe(204);
    // A spent mailed link is a 400 of its own, not the access token's 401 INVALID_TOKEN.
    const spent = await post('/auth/verify-email', { token: tokenOf(mail.link) });
    expect([spent.statusCode, spent.json().code]).toEqual([400, 'INVALID_LINK']);

    const signedIn = await post('/auth/login', { email: 'ADA.lovelace@example.com', password });
    expect(signedIn.statusCode).toBe(200);
    const tokens = signedIn.json();
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { email: 'ada.lovelace@example.com', emailVerified: true } });
    expect(JSON.stringify(tokens)).not.toMatch(/argon2|passwordHash/);

    const me = await h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      email: 'ada.lovelace@example.com',
      username: 'ada',
      firstName: 'Ada',
      lastName: 'King Lovelace',
      status: 'ACTIVE',
      emailVerified: true,
      roles: ['user'],
      permissions: [],
      subscription: null,
    });
    const [row] = await queryRows<{ last_login_at: Date | null }>(
      h.context.database.primary,
      sql`SELECT last_login_at FROM users WHERE email = 'ada.lovelace@example.com'`,
    );
    expect(row?.last_login_at).not.toBeNull();

    const byUsername = await post('/auth/login', { username: 'ADA', password });
    expect(byUsername.statusCode).toBe(200);

    const refreshed = await post('/auth/refresh-token', { refreshToken: tokens.refreshToken });
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json();
    expect(next.refreshToken).not.toBe(tokens.refreshToken);

    const out = await post('/auth/logout', { refreshToken: next.refreshToken }, { authorization: `Bearer ${next.accessToken}` });
    expect(out.statusCode).toBe(204);
    for (const accessToken of [tokens.accessToken, next.accessToken]) {
      const refused = await h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${accessToken}` } });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().code).toBe('SESSION_ENDED');
    }
    expect((await post('/auth/refresh-token', { refreshToken: next.refreshToken })).statusCode).toBe(401);
  });

  it('signs out with the access token alone: no body, or an empty one labelled JSON', async () => {
    const user = await createUser(h);
    const ended = async (headers: Record<string, string>) =>
      (await h.app.inject({ method: 'GET', url: '/auth/me', headers })).json().code === 'SESSION_ENDED';
    const bare = await login(h, user.email, user.password);
    const noBody = await h.app.inject({ method: 'POST', url: '/auth/logout', headers: bare.headers });
    expect(noBody.statusCode).toBe(204);
    expect(await ended(bare.headers)).toBe(true);
    expect((await post('/auth/refresh-token', { refreshToken: bare.refreshToken })).statusCode).toBe(401);

    const labelled = await login(h, user.email, user.password);
    const emptyJson = await h.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...labelled.headers, 'content-type': 'application/json' },
      body: '',
    });
    expect(emptyJson.statusCode).toBe(204);
    expect(await ended(labelled.headers)).toBe(true);

    // What is sent is still checked, and a route that needs a body still refuses an empty one.
    const kept = await login(h, user.email, user.password);
    const extra = await post('/auth/logout', { everywhere: true }, kept.headers);
    expect([extra.statusCode, extra.json().code]).toEqual([400, 'FIELD_NOT_ALLOWED']);
    expect(await ended(kept.headers)).toBe(false);
    const emptyLogin = await h.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      body: '',
    });
    expect([emptyLogin.statusCode, emptyLogin.json().code]).toEqual([400, 'MALFORMED_JSON']);

    // The API's description says so, for the typed clients generated from it.
    const { paths } = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(paths['/auth/logout'].post.requestBody.required).toBe(false);
    expect(paths['/auth/login'].post.requestBody.required).toBe(true);
  });

  it('answers a registration of a taken address exactly like a new one, and tells the owner', async () => {
    const owner = await createUser(h, { email: 'taken@example.com' });
    const taken = await post('/auth/register', { email: 'taken@example.com', password });
    const fresh = await post('/auth/register', { email: 'fresh@example.com', password });
    expect(taken.statusCode).toBe(202);
    expect(taken.body).toBe(fresh.body);
    expect(taken.headers['content-length']).toBe(fresh.headers['content-length']);
    await smtp.waitFor(owner.email, /tried to sign up/);
    const [count] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM users WHERE email = 'taken@example.com'`,
    );
    expect(count?.n).toBe(1);
  });

  it('gives new users the default role of the preset', async () => {
    await post('/auth/register', { email: 'newbie@example.com', password });
    const session = await login(h, 'newbie@example.com', password);
    const me = await h.app.inject({ method: 'GET', url: '/auth/me', headers: session.headers });
    expect(me.json().roles).toEqual(['user']);
  });

  it('resets a forgotten password through a link on PUBLIC_URL, whatever Host the request claims', async () => {
    const user = await createUser(h, { email: 'forgetful@example.com' });
    const other = await login(h, user.email, user.password);
    const evil = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' };
    const known = await post('/auth/forgot-password', { email: user.email }, evil);
    const unknown = await post('/auth/forgot-password', { email: 'nobody-here@example.com' }, evil);
    expect(known.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);

    const mail = await smtp.waitFor(user.email, /Reset your password/);
    expect(mail.raw).not.toContain('evil.example');
    expect(mail.link).toMatch(/^https:\/\/tessera\.test\/reset-password\?token=[A-Za-z0-9_-]{43}$/);

    const newPassword = 'an entirely new passphrase';
    expect((await post('/auth/reset-password', { token: tokenOf(mail.link), password: newPassword })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: other.headers })).statusCode).toBe(401);
    await smtp.waitFor(user.email, /password was changed/);
    expect((await post('/auth/login', { email: user.email, password: user.password })).statusCode).toBe(401);
    expect((await post('/auth/login', { email: user.email, password: newPassword })).statusCode).toBe(200);
    const reused = await post('/auth/reset-password', { token: tokenOf(mail.link), password: 'yet another passphrase' });
    expect([reused.statusCode, reused.json().code]).toEqual([400, 'INVALID_LINK']);
  });

  it('lets exactly one of 20 parallel uses of one reset token through', async () => {
    const user = await createUser(h, { email: 'racer@example.com' });
    await post('/auth/forgot-password', { email: user.email });
    const token = tokenOf((await smtp.waitFor(user.email, /Reset your password/)).link);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => post('/auth/reset-password', { token, password: `parallel passphrase number ${index}` })),
    );
    expect(results.filter((res) => res.statusCode === 204)).toHaveLength(1);
    expect(results.filter((res) => res.statusCode === 400)).toHaveLength(19);
  });

  it('rotates a refresh token once under 20 parallel uses; a later replay revokes that family only', async () => {
    const user = await createUser(h);
    const phone = await login(h, user.email, user.password);
    const laptop = await login(h, user.email, user.password);
    const results = await Promise.all(Array.from({ length: 20 }, () => post('/auth/refresh-token', { refreshToken: phone.refreshToken })));
    const winners = results.filter((res) => res.statusCode === 200);
    expect(winners).toHaveLength(1);
    const rotated = winners[0]?.json();
    expect(results.filter((res) => res.statusCode === 401).every((res) => res.json().code === 'INVALID_REFRESH_TOKEN')).toBe(true);

    // Past the grace window, the spent token is treated as stolen: its family ends, the laptop stays.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await post('/auth/refresh-token', { refreshToken: phone.refreshToken })).statusCode).toBe(401);
    expect(
      (await h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${rotated.accessToken}` } })).statusCode,
    ).toBe(401);
    expect((await post('/auth/refresh-token', { refreshToken: rotated.refreshToken })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: laptop.headers })).statusCode).toBe(200);
    const [audit] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.refresh_reuse_detected' AND actor_id = ${user.id}`,
    );
    expect(audit?.n).toBe(1);
  });

  it('changes a password with the current one, signing out the other sessions', async () => {
    const user = await createUser(h);
    const here = await login(h, user.email, user.password);
    const elsewhere = await login(h, user.email, user.password);
    const wrong = await post(
      '/auth/change-password',
      { currentPassword: 'not it at all', newPassword: 'the next passphrase' },
      here.headers,
    );
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('WRONG_CURRENT_PASSWORD');
    const ok = await post('/auth/change-password', { currentPassword: user.password, newPassword: 'the next passphrase' }, here.headers);
    expect(ok.statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: here.headers })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: elsewhere.headers })).statusCode).toBe(401);
  });

  it('counts a wrong current password toward the same throttle as a wrong one at sign-in', async () => {
    const user = await createUser(h);
    const session = await login(h, user.email, user.password);
    const { answered, held } = await guessUntilHeld((attempt) =>
      post('/auth/change-password', { currentPassword: `guess ${attempt}`, newPassword: 'the next passphrase' }, session.headers),
    );
    expect(held).toBe('RATE_LIMITED');
    expect(answered.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answered)).toEqual(new Set(['WRONG_CURRENT_PASSWORD']));
    expect((await post('/auth/login', { email: user.email, password: user.password })).statusCode).toBe(429);
  });

  it('counts a wrong current password given for a new address toward the same throttle', async () => {
    const user = await createUser(h);
    const session = await login(h, user.email, user.password);
    const { answered, held } = await guessUntilHeld((attempt) =>
      h.app.inject({
        method: 'PUT',
        url: '/users/profile',
        headers: session.headers,
        payload: { email: `moved.${attempt}@example.com`, currentPassword: `guess ${attempt}` },
      }),
    );
    expect(held).toBe('RATE_LIMITED');
    expect(answered.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answered)).toEqual(new Set(['REAUTHENTICATION_REQUIRED']));
    expect((await post('/auth/login', { email: user.email, password: user.password })).statusCode).toBe(429);
  });

  it("refuses the account's own address, username or name as its password at every door that sets one", async () => {
    const owner = {
      email: 'wilhelmina.quackenbush@example.com',
      username: 'wquackenbush77',
      firstName: 'Wilhelmina',
      lastName: 'Quackenbush',
    };
    const user = await createUser(h, owner);
    const admin = await loginAs(h, { roles: ['admin'] });
    const personal = (res: { statusCode: number; json(): { code: string; errors: { message: string }[] } }) => [
      res.statusCode,
      res.json().code,
      res.json().errors[0]?.message,
    ];
    const refused = [400, 'VALIDATION_FAILED', 'must not be your email or name'];

    await post('/auth/forgot-password', { email: user.email });
    const token = tokenOf((await smtp.waitFor(user.email, /Reset your password/)).link);
    expect(personal(await post('/auth/reset-password', { token, password: user.email }))).toEqual(refused);
    // The refused password did not spend the link.
    expect((await post('/auth/reset-password', { token, password: user.password })).statusCode).toBe(204);

    const session = await login(h, user.email, user.password);
    const change = (newPassword: string) => post('/auth/change-password', { currentPassword: user.password, newPassword }, session.headers);
    expect(personal(await change('WQuackenbush77'))).toEqual(refused);
    expect(personal(await change('Wilhelmina Quackenbush'))).toEqual(refused);

    const setByAdmin = (password: string) =>
      h.app.inject({ method: 'PUT', url: `/users/${user.id}/password`, headers: admin.headers, payload: { password, temporary: true } });
    expect(personal(await setByAdmin('wilhelmina.quackenbush'))).toEqual(refused);
    expect((await setByAdmin('a temporary passphrase 4711')).statusCode).toBe(204);
    const { changeToken } = (await post('/auth/login', { email: user.email, password: 'a temporary passphrase 4711' })).json();
    expect(personal(await post('/auth/change-password', { changeToken, newPassword: 'quackenbush' }))).toEqual(refused);

    const made = await h.app.inject({
      method: 'POST',
      url: '/users',
      headers: admin.headers,
      payload: {
        email: 'ottokar.zwiebelfisch@example.com',
        username: 'ozwiebelfisch',
        firstName: 'Ottokar',
        lastName: 'Zwiebelfisch',
        password: 'OZwiebelfisch',
      },
    });
    expect(personal(made)).toEqual(refused);

    // The service behind create-admin and the bootstrap admin, whatever its caller checked before.
    const superAdmin = h.app.modules.users.createSuperAdmin(systemCaller(), {
      email: 'hieronymus.bosch@example.com',
      password: 'Hieronymus.Bosch@example.com',
    });
    await expect(superAdmin).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { errors: [{ message: 'must not be your email or name' }] },
    });
    expect(await h.app.modules.users.findByEmail(h.context.database.primary, 'hieronymus.bosch@example.com')).toBeUndefined();
  });

  it('lists and ends sessions, and logs out everywhere', async () => {
    const user = await createUser(h);
    const a = await login(h, user.email, user.password);
    const b = await login(h, user.email, user.password);
    const list = await h.app.inject({ method: 'GET', url: '/auth/sessions', headers: a.headers });
    expect(list.json().data).toHaveLength(2);
    const other = list.json().data.find((session: { current: boolean }) => !session.current);
    expect((await h.app.inject({ method: 'DELETE', url: `/auth/sessions/${other.id}`, headers: a.headers })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: b.headers })).statusCode).toBe(401);

    const stranger = await loginAs(h);
    const foreign = await h.app.inject({ method: 'DELETE', url: `/auth/sessions/${other.id}`, headers: stranger.headers });
    expect(foreign.statusCode).toBe(404);

    const c = await login(h, user.email, user.password);
    expect((await post('/auth/logout-all', {}, a.headers)).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: a.headers })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: c.headers })).statusCode).toBe(401);
  });

  it('pages sessions newest first, for the user and for an administrator', async () => {
    const user = await createUser(h);
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const session = await login(h, user.email, user.password);
      ids.unshift((await h.app.inject({ method: 'GET', url: '/auth/sessions?limit=1', headers: session.headers })).json().data[0].id);
    }
    const own = await login(h, user.email, user.password);
    const pages = await pagesOf(h, '/auth/sessions', own.headers, 2);
    expect(pages.map((page) => page.length)).toEqual([2, 2]);
    expect(
      pages
        .flat()
        .map((session) => session.id)
        .slice(1),
    ).toEqual(ids);
    const admin = await loginAs(h, { permissions: ['sessions:manage', 'users:read'] });
    const seen = await pagesOf(h, `/users/${user.id}/sessions`, admin.headers, 3);
    expect(seen.flat().map((session) => session.id)).toEqual(pages.flat().map((session) => session.id));
  });

  it('resends verification only to unverified accounts, with the same answer for all', async () => {
    await post('/auth/register', { email: 'slow-reader@example.com', password });
    await smtp.waitFor('slow-reader@example.com', /Confirm/);
    const before = smtp.inbox.filter((mail) => mail.to.includes('slow-reader@example.com')).length;
    const again = await post('/auth/resend-verification', { email: 'slow-reader@example.com' });
    const nobody = await post('/auth/resend-verification', { email: 'no-such-reader@example.com' });
    expect(again.body).toBe(nobody.body);
    const mailsTo = () => smtp.inbox.filter((mail) => mail.to.includes('slow-reader@example.com'));
    // The second mail arrives whenever the outbox sends it; then no third follows.
    await vi.waitFor(() => expect(mailsTo().length).toBeGreaterThan(before), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mails = mailsTo();
    expect(mails.length).toBe(before + 1);
    // The first link was replaced by the second.
    expect((await post('/auth/verify-email', { token: tokenOf(mails[0]?.link) })).statusCode).toBe(400);
    expect((await post('/auth/verify-email', { token: tokenOf(mails.at(-1)?.link) })).statusCode).toBe(204);
  });

  it('writes an audit row for each auth event with request context and no secret', async () => {
    const rows = await queryRows<{ action: string; payload: unknown; ip_address: string | null; request_id: string | null }>(
      h.context.database.primary,
      sql`SELECT action, payload, ip_address, request_id FROM audit_logs WHERE action LIKE 'auth.%'`,
    );
    const actions = new Set(rows.map((row) => row.action));
    for (const action of [
      'auth.registered',
      'auth.login',
      'auth.logout',
      'auth.logout_all',
      'auth.email_verified',
      'auth.password_reset',
      'auth.password_changed',
      'auth.refresh_reuse_detected',
      'auth.session_ended',
    ]) {
      expect(actions, action).toContain(action);
    }
    expect(rows.every((row) => row.request_id && row.ip_address)).toBe(true);
    const all = JSON.stringify(rows);
    expect(all).not.toMatch(/argon2|passphrase|refreshToken|"token"/);
  });
});
