import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, login, loginAs } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

const MAIL_CAP = 4;

describe('email change: pending until confirmed, undone by "this wasn\'t me"', () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      config: {
        SMTP_URL: smtp.url,
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        MAX_EMAILS_PER_HOUR: String(MAIL_CAP),
      },
    });
    admin = await loginAs(h, { roles: ['admin'], email: 'email-change-admin@example.com' });
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, headers: Record<string, string> = {}, payload?: object) =>
    h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const publicPost = (url: string, payload: object) => call('POST', url, {}, payload);

  /** A session signed in longer ago than STEP_UP_MAX_AGE: what a stolen token usually is. */
  async function staleSession(email: string, password: string) {
    const session = await login(h, email, password);
    await queryRows(
      h.context.database.primary,
      sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = (SELECT id FROM users WHERE email = ${email})`,
    );
    return session;
  }
  const mailsTo = (address: string, subject?: RegExp) =>
    smtp.inbox.filter((mail) => mail.to.includes(address) && (!subject || subject.test(mail.subject)));

  it('breaks the takeover chain at every step, on PATCH /users/me and PUT /users/profile', async () => {
    const owner = await createUser(h, { email: 'chain-owner@example.com' });
    const ownerDevice = await login(h, owner.email, owner.password);
    const thief = await staleSession(owner.email, owner.password);

    // 1. A session alone cannot change the address, nor can a wrong password.
    for (const [method, url] of [
      ['PATCH', '/users/me'],
      ['PUT', '/users/profile'],
    ] as const) {
      const refused = await call(method, url, thief.headers, { email: 'chain-thief@example.com' });
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED', errors: [{ path: '/currentPassword' }] });
      const wrong = await call(method, url, thief.headers, { email: 'chain-thief@example.com', currentPassword: 'not the password' });
      expect(wrong.statusCode, url).toBe(403);
    }
    expect((await call('GET', '/users/me', admin.headers)).statusCode).toBe(200);

    // 2. With the password, the address is only pending: sign-in and resets stay with the old one.
    const asked = await call('PATCH', '/users/me', thief.headers, { email: 'Chain-Thief@example.com', currentPassword: owner.password });
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toMatchObject({ email: owner.email, pendingEmail: 'chain-thief@example.com' });
    expect((await call('GET', '/auth/me', thief.headers)).json().email).toBe(owner.email);
    expect((await publicPost('/auth/login', { email: 'chain-thief@example.com', password: owner.password })).statusCode).toBe(401);

    // 3. A reset asked for before confirmation goes to the old address only.
    expect((await publicPost('/auth/forgot-password', { email: 'chain-thief@example.com' })).statusCode).toBe(202);
    expect((await publicPost('/auth/forgot-password', { email: owner.email })).statusCode).toBe(202);
    await smtp.waitFor(owner.email, /Reset your password/);
    const confirmation = await smtp.waitFor('chain-thief@example.com', /Confirm your new email/);
    const notice = await smtp.waitFor(owner.email, /being changed/);
    expect(mailsTo('chain-thief@example.com', /Reset/)).toHaveLength(0);

    // 4. The link confirms: the address swaps, the other sessions end (the asking one stays).
    expect((await publicPost('/auth/confirm-email-change', { token: tokenOf(confirmation.link) })).statusCode).toBe(204);
    expect((await call('GET', '/auth/me', thief.headers)).json()).toMatchObject({ email: 'chain-thief@example.com', emailVerified: true });
    expect((await call('GET', '/auth/me', ownerDevice.headers)).statusCode).toBe(401);
    expect((await publicPost('/auth/confirm-email-change', { token: tokenOf(confirmation.link) })).statusCode).toBe(400);

    // 5. "This wasn't me", even after the confirmation: the old address is back, every session ends, a reset comes.
    const wasntMe = notice.raw.match(/https?:\/\/[^\s"<>]*revert-email-change[^\s"<>]*/)?.[0];
    expect(wasntMe).toBeTruthy();
    expect((await publicPost('/auth/revert-email-change', { token: tokenOf(wasntMe) })).statusCode).toBe(204);
    expect((await call('GET', '/auth/me', thief.headers)).statusCode).toBe(401);
    const [row] = await queryRows<{ email: string; pending_email: string | null }>(
      h.context.database.primary,
      sql`SELECT email, pending_email FROM users WHERE id = ${owner.id}`,
    );
    expect(row).toEqual({ email: owner.email, pending_email: null });
    const rescue = await smtp.waitFor(owner.email, /yours again/);
    const newPassword = 'taken back for good 42';
    expect((await publicPost('/auth/reset-password', { token: tokenOf(rescue.link), password: newPassword })).statusCode).toBe(204);
    expect((await login(h, owner.email, newPassword)).accessToken).toBeTruthy();

    const [audit] = await queryRows<{ payload: { how: string } }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE action = 'user.email_changed' AND entity_id = ${owner.id} ORDER BY created_at DESC LIMIT 1`,
    );
    expect(audit?.payload.how).toBe('restored');
  });

  it('lets a sign-in within STEP_UP_MAX_AGE change the address without the password, still pending', async () => {
    const fresh = await loginAs(h, { email: 'fresh-signin@example.com' });
    const res = await call('PUT', '/users/profile', fresh.headers, { email: 'fresh-new@example.com' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: 'fresh-signin@example.com', pendingEmail: 'fresh-new@example.com' });
  });

  it('answers an address another account holds (confirmed or pending) like a free one, and never completes it', async () => {
    const holder = await createUser(h, { email: 'held-address@example.com' });
    const claimer = await loginAs(h);
    const taken = await call('PATCH', '/users/me', claimer.headers, { email: holder.email });
    const other = await loginAs(h);
    const free = await call('PATCH', '/users/me', other.headers, { email: 'free-address@example.com' });
    expect([taken.statusCode, free.statusCode]).toEqual([200, 200]);
    expect(taken.json().pendingEmail).toBe(holder.email);

    // Someone else's pending address is held too.
    const second = await loginAs(h);
    expect((await call('PATCH', '/users/me', second.headers, { email: 'free-address@example.com' })).statusCode).toBe(200);

    await smtp.waitFor('free-address@example.com', /Confirm your new email/);
    await smtp.waitFor(claimer.user.email, /being changed/);
    await smtp.waitFor(second.user.email, /being changed/);
    expect(mailsTo(holder.email)).toHaveLength(0);
    expect(mailsTo('free-address@example.com', /Confirm your new email/)).toHaveLength(1);
    expect((await call('GET', `/users/${holder.id}`, admin.headers)).json().email).toBe(holder.email);
  });

  it('lets an administrator set an address at once, or send the confirmation flow with ?confirm=true', async () => {
    const target = await createUser(h, { email: 'admin-target@example.com' });
    const flow = await call('PATCH', `/users/${target.id}?confirm=true`, admin.headers, { email: 'admin-target-new@example.com' });
    expect(flow.json()).toMatchObject({ email: target.email, pendingEmail: 'admin-target-new@example.com' });
    const link = await smtp.waitFor('admin-target-new@example.com', /Confirm your new email/);
    expect((await publicPost('/auth/confirm-email-change', { token: tokenOf(link.link) })).statusCode).toBe(204);
    expect((await call('GET', `/users/${target.id}`, admin.headers)).json()).toMatchObject({
      email: 'admin-target-new@example.com',
      emailVerified: true,
      pendingEmail: null,
    });

    const direct = await call('PATCH', `/users/${target.id}`, admin.headers, { email: 'admin-target-direct@example.com' });
    expect(direct.json()).toMatchObject({ email: 'admin-target-direct@example.com', emailVerified: false });
    await smtp.waitFor('admin-target-new@example.com', /was changed/);
  });

  it('hole 3: a reset link kept from before an address change cannot verify the new address', async () => {
    const user = await createUser(h, { email: 'stale-link@example.com' });
    await publicPost('/auth/forgot-password', { email: user.email });
    const kept = await smtp.waitFor(user.email, /Reset your password/);
    await call('PATCH', `/users/${user.id}`, admin.headers, { email: 'stale-link-victim@example.com' });
    const used = await publicPost('/auth/reset-password', { token: tokenOf(kept.link), password: 'a new password 123' });
    expect(used.statusCode).toBe(400);
    expect(used.json().code).toBe('INVALID_LINK');
    expect((await call('GET', `/users/${user.id}`, admin.headers)).json().emailVerified).toBe(false);
  });

  it('hole 3: a change token dies when a new temporary password is set', async () => {
    const user = await createUser(h, { email: 'change-token@example.com' });
    const first = 'temporary one 12345';
    await call('PUT', `/users/${user.id}/password`, admin.headers, { password: first, temporary: true });
    const { changeToken } = (await publicPost('/auth/login', { email: user.email, password: first })).json();
    await call('PUT', `/users/${user.id}/password`, admin.headers, { password: 'temporary two 12345', temporary: true });
    const replaced = await publicPost('/auth/change-password', { changeToken, newPassword: 'my very own password 9' });
    expect(replaced.statusCode).toBe(400);
    expect(replaced.json().code).toBe('INVALID_CHANGE_TOKEN');
  });

  it("hole 11: email-change mails count against the per-address cap (a victim's inbox is not flooded)", async () => {
    const flooder = await loginAs(h, { email: 'flooder@example.com' });
    for (let i = 0; i < 2 * MAIL_CAP + 2; i++) {
      const email = i % 2 === 0 ? 'flood-victim@example.com' : `flooder-${i}@example.com`;
      const res = await call('PUT', '/users/profile', flooder.headers, { email, currentPassword: flooder.user.password });
      expect(res.statusCode).toBe(200);
    }
    await smtp.waitFor(`flooder-${2 * MAIL_CAP + 1}@example.com`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo('flood-victim@example.com').length).toBeGreaterThan(0);
    expect(mailsTo('flood-victim@example.com').length).toBeLessThanOrEqual(MAIL_CAP);
  });
});
