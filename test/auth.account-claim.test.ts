import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { users } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, login, loginAs } from './helpers/auth.js';
import { auditActions } from './helpers/federation.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';
import { stepAt, totpCode } from './helpers/totp.js';

let counter = 0;

// Account pre-hijacking (the "classic" and "unexpired session" attacks): with REQUIRE_EMAIL_VERIFICATION off, anyone
// may sign up with someone else's address and set the account up before its owner ever proves the mailbox. The
// owner's first proof of it by a link that sets the password claims the account: nothing the squatter added may
// outlive it.
describe('an unverified account claimed by the first proof of its mailbox', () => {
  let h: Harness;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({ config: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, payload, headers });

  /** The address's owner takes the account back through the mailed reset link (each test's address is its own). */
  async function resetFromMailbox(address: string, password: string) {
    expect((await post('/auth/forgot-password', { email: address })).statusCode).toBe(202);
    const mail = await smtp.waitFor(address, /Reset your password/);
    expect((await post('/auth/reset-password', { token: tokenOf(mail.link), password })).statusCode).toBe(204);
  }

  /** Whether the account's address counts as proven: each test sets the state its story needs. */
  const setProven = (userId: string, proven: boolean) =>
    h.context.database.primary
      .update(users)
      .set({ emailVerifiedAt: proven ? new Date() : null })
      .where(eq(users.id, userId));

  it('refuses an authenticator app, a passkey and an API key to an account whose address is unproven, then allows them', async () => {
    const address = `unproven${++counter}@example.com`;
    expect((await post('/auth/register', { email: address, password: 'an unproven passphrase' })).statusCode).toBe(202);
    const holder = await login(h, address, 'an unproven passphrase');
    for (const [url, payload] of [
      ['/auth/mfa/totp', {}],
      ['/auth/passkeys/options', {}],
      ['/auth/api-keys', { name: 'backdoor', scopes: [] }],
    ] as const) {
      const refused = await post(url, payload, holder.headers);
      expect([url, refused.statusCode, refused.json().code]).toEqual([url, 403, 'EMAIL_NOT_VERIFIED']);
      expect(refused.headers['content-type']).toContain('application/problem+json');
    }
    const mailed = await smtp.waitFor(address, /Confirm your email address/);
    expect((await post('/auth/verify-email', { token: tokenOf(mailed.link) })).statusCode).toBe(204);
    expect((await post('/auth/mfa/totp', {}, holder.headers)).statusCode).toBe(201);
    expect((await post('/auth/api-keys', { name: 'now mine', scopes: [] }, holder.headers)).statusCode).toBe(201);
  });

  it('refuses the enrolment a policy asks of a sign-in while the address is unproven: the person confirms it first', async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, admin, `Strict ${++counter}`);
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/organizations/${organizationId}`,
      headers: admin.headers,
      payload: { mfa: 'required' },
    });
    expect(patched.statusCode).toBe(200);
    const person = await createUser(h, { organizationId });
    await setProven(person.id, false);
    const stopped = (await post('/auth/login', { email: person.email, password: person.password })).json();
    expect(stopped.mfaEnrollmentRequired).toBe(true);
    const refused = await post('/auth/mfa/totp', { enrollmentToken: stopped.enrollmentToken });
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    await setProven(person.id, true);
    expect((await post('/auth/mfa/totp', { enrollmentToken: stopped.enrollmentToken })).statusCode).toBe(201);
  });

  // Such rows from before the rule (or kept across an address an administrator changed) still go at the claim.
  it('revokes the squatter’s API key and removes their authenticator and recovery codes at the owner’s reset', async () => {
    const address = `squatted${++counter}@example.com`;
    expect((await post('/auth/register', { email: address, password: 'the squatter’s passphrase' })).statusCode).toBe(202);
    const squatter = await login(h, address, 'the squatter’s passphrase');
    const me = (await h.app.inject({ url: '/auth/me', headers: squatter.headers })).json();
    await setProven(me.id, true);
    const key = await post('/auth/api-keys', { name: 'backdoor', scopes: [] }, squatter.headers);
    expect(key.statusCode).toBe(201);
    const started = (await post('/auth/mfa/totp', {}, squatter.headers)).json();
    const confirmed = await post(
      `/auth/mfa/totp/${started.factorId}/confirm`,
      { code: totpCode(started.secret, stepAt()) },
      squatter.headers,
    );
    expect(confirmed.statusCode).toBe(200);
    await setProven(me.id, false);

    await resetFromMailbox(address, 'the owner’s own passphrase');

    // The key no longer works; the owner signs in with the password alone, behind nobody else's authenticator.
    const keyHeaders = { authorization: `Bearer ${key.json().key}` };
    expect((await h.app.inject({ url: '/auth/me', headers: keyHeaders })).statusCode).toBe(401);
    const signedIn = await post('/auth/login', { email: address, password: 'the owner’s own passphrase' });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toMatchObject({ tokenType: 'Bearer', user: { id: me.id, emailVerified: true } });
    const owner = { authorization: `Bearer ${signedIn.json().accessToken}` };
    // No authenticator app and no recovery code of the squatter's is left to answer a second step.
    expect((await h.app.inject({ url: '/auth/mfa', headers: owner })).json()).toEqual({ data: [], recoveryCodes: false });
    expect((await h.app.inject({ url: '/auth/api-keys', headers: owner })).json().data).toEqual([]);
    expect(await auditActions(h, me.id)).toEqual(
      expect.arrayContaining(['auth.account_claimed', 'mfa.factors_reset', 'auth.password_reset']),
    );
    expect(await auditActions(h, key.json().id)).toContain('auth.api_key_revoked');
  });

  // The owner's own factors must not fall to whoever reads the mailbox: a reset is no way around a second factor.
  it('keeps the API keys and factors of an account whose address was proven before the reset', async () => {
    const owner = await loginAs(h, { email: `proven${++counter}@example.com` });
    const key = await post('/auth/api-keys', { name: 'kept', scopes: [] }, owner.headers);
    expect(key.statusCode).toBe(201);
    const started = (await post('/auth/mfa/totp', {}, owner.headers)).json();
    const confirmed = await post(`/auth/mfa/totp/${started.factorId}/confirm`, { code: totpCode(started.secret, stepAt()) }, owner.headers);
    expect(confirmed.statusCode).toBe(200);

    await resetFromMailbox(owner.user.email, 'a reset but proven passphrase');

    expect((await h.app.inject({ url: '/auth/me', headers: { authorization: `Bearer ${key.json().key}` } })).statusCode).toBe(200);
    const signedIn = await post('/auth/login', { email: owner.user.email, password: 'a reset but proven passphrase' });
    expect(signedIn.json()).toMatchObject({ mfaRequired: true });
    expect(await auditActions(h, owner.userId)).not.toContain('auth.account_claimed');
  });

  /** The links of a sign-up's confirmation mail, in order: confirm, then "I did not sign up". */
  function linksOf(mail: { raw: string }) {
    const [confirm, dispute] = [/verify-email/, /dispute-registration/].map(
      (path) => mail.raw.match(new RegExp(`https?://[^\\s"<>]*${path.source}[^\\s"<>]*`))?.[0],
    );
    return { confirm, dispute };
  }

  // The owner may confirm the squatter's sign-up by mistake: the address is then proven, and the squatter adds an
  // authenticator no reset of the owner's would get past. "I did not sign up" still takes the account back.
  it('takes a sign-up confirmed by mistake back from its squatter with the mail\'s "I did not sign up" link', async () => {
    const address = `disputed${++counter}@example.com`;
    expect((await post('/auth/register', { email: address, password: 'the squatter’s passphrase' })).statusCode).toBe(202);
    const { confirm, dispute } = linksOf(await smtp.waitFor(address, /Confirm your email address/));
    expect(dispute).toBeDefined();
    expect((await post('/auth/verify-email', { token: tokenOf(confirm) })).statusCode).toBe(204);

    const squatter = await login(h, address, 'the squatter’s passphrase');
    const me = (await h.app.inject({ url: '/auth/me', headers: squatter.headers })).json();
    const key = await post('/auth/api-keys', { name: 'backdoor', scopes: [] }, squatter.headers);
    expect(key.statusCode).toBe(201);
    const started = (await post('/auth/mfa/totp', {}, squatter.headers)).json();
    const code = { code: totpCode(started.secret, stepAt()) };
    expect((await post(`/auth/mfa/totp/${started.factorId}/confirm`, code, squatter.headers)).statusCode).toBe(200);
    // The squatter asks to move the account to their own address: the confirmation goes to them.
    const moved = await h.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: squatter.headers,
      payload: { email: `taker${counter}@example.com`, currentPassword: 'the squatter’s passphrase' },
    });
    expect(moved.statusCode).toBe(200);
    const takersConfirmation = await smtp.waitFor(`taker${counter}@example.com`);

    expect((await post('/auth/dispute-registration', { token: tokenOf(dispute) })).statusCode).toBe(204);

    // Nothing of the squatter's works any more: their session, key, password and pending address.
    expect((await h.app.inject({ url: '/auth/me', headers: squatter.headers })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/auth/me', headers: { authorization: `Bearer ${key.json().key}` } })).statusCode).toBe(401);
    expect((await post('/auth/login', { email: address, password: 'the squatter’s passphrase' })).statusCode).toBe(401);
    const kept = await post('/auth/confirm-email-change', { token: tokenOf(takersConfirmation.link) });
    expect([kept.statusCode, kept.json().code]).toEqual([400, 'INVALID_LINK']);
    // The link works once.
    const again = await post('/auth/dispute-registration', { token: tokenOf(dispute) });
    expect([again.statusCode, again.json().code]).toEqual([400, 'INVALID_LINK']);

    // The owner chooses a password from the mail that follows, and signs in behind nobody else's authenticator.
    const chosen = await smtp.waitFor(address, /The account made with your address is yours/);
    expect(chosen.raw).toContain('within 7 days');
    expect((await post('/auth/reset-password', { token: tokenOf(chosen.link), password: 'the owner’s own passphrase' })).statusCode).toBe(
      204,
    );
    const signedIn = await post('/auth/login', { email: address, password: 'the owner’s own passphrase' });
    expect(signedIn.json()).toMatchObject({ tokenType: 'Bearer', user: { id: me.id, email: address, emailVerified: true } });
    const owner = { authorization: `Bearer ${signedIn.json().accessToken}` };
    expect((await h.app.inject({ url: '/auth/mfa', headers: owner })).json()).toEqual({ data: [], recoveryCodes: false });
    expect(await auditActions(h, me.id)).toEqual(expect.arrayContaining(['auth.account_claimed', 'mfa.factors_reset']));
    const [claimed] = await queryRows<{ payload: { via: string } }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE entity_id = ${me.id} AND action = 'auth.account_claimed'`,
    );
    expect(claimed?.payload.via).toBe('registration_dispute');
  });

  it('mails "I did not sign up" with a sign-up only, for 7 days, and only while the account keeps the address', async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const made = `made${++counter}@example.com`;
    const created = await post('/users', { email: made, password: 'an administrator’s passphrase' }, admin.headers);
    expect(created.statusCode).toBe(201);
    expect(linksOf(await smtp.waitFor(made, /Confirm your email address/)).dispute).toBeUndefined();

    const late = `late${counter}@example.com`;
    expect((await post('/auth/register', { email: late, password: 'a late passphrase' })).statusCode).toBe(202);
    const { dispute } = linksOf(await smtp.waitFor(late, /Confirm your email address/));
    try {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 7 * 24 * 3_600_000 + 60_000 });
      const expired = await post('/auth/dispute-registration', { token: tokenOf(dispute) });
      expect([expired.statusCode, expired.json().code]).toEqual([400, 'INVALID_LINK']);
    } finally {
      vi.useRealTimers();
    }

    // An administrator moved the account to another address: the link no longer reaches it.
    const moved = `moved${counter}@example.com`;
    expect((await post('/auth/register', { email: moved, password: 'a moved passphrase' })).statusCode).toBe(202);
    const link = linksOf(await smtp.waitFor(moved, /Confirm your email address/)).dispute;
    const [user] = (await h.app.inject({ url: `/users?search=${moved}`, headers: admin.headers })).json().data;
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: admin.headers,
      payload: { email: `elsewhere${counter}@example.com` },
    });
    expect(patched.statusCode).toBe(200);
    const outlived = await post('/auth/dispute-registration', { token: tokenOf(link) });
    expect([outlived.statusCode, outlived.json().code]).toEqual([400, 'INVALID_LINK']);
  });
});
