import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';
import { stepAt, totpCode } from './helpers/totp.js';

type Headers = Record<string, string>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());

describe('remember this device: a signed cookie that spares a browser the second step', () => {
  let h: Harness;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      config: {
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        SIGNING_KEY_SECRET: 'ab'.repeat(32),
        MFA_REMEMBER_DEVICE_DAYS: '30',
        SMTP_URL: smtp.url,
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  const post = (url: string, payload: object, headers: Headers = {}) => h.app.inject({ method: 'POST', url, payload, headers });
  const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T & Record<string, unknown>>(h.context.database.primary, query);

  /**
   * A person with an authenticator app; `answer()` gives an unspent second factor: the next step's TOTP code,
   * then (a code works once, and only one step ahead of the clock) the recovery codes one by one.
   */
  async function enrolled() {
    const session = await loginAs(h);
    const { factorId, secret } = (await post('/auth/mfa/totp', {}, session.headers)).json();
    const step = stepAt();
    const confirmed = await post(`/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, step) }, session.headers);
    const recoveryCodes = [...(confirmed.json().recoveryCodes as string[])];
    let totpSpent = false;
    const answer = () => {
      if (totpSpent) return { method: 'recovery_code', code: recoveryCodes.shift() as string };
      totpSpent = true;
      return { method: 'totp', code: totpCode(secret, step + 1) };
    };
    return { ...session, factorId: factorId as string, answer };
  }

  /** Password then code, asking to remember the browser: the tokens and the cookie (`name=value`) it was given. */
  async function signInRemembering(person: Awaited<ReturnType<typeof enrolled>>, password = person.user.password) {
    const { mfaToken } = (await post('/auth/login', { email: person.user.email, password })).json();
    const verified = await post('/auth/mfa/verify', { mfaToken, ...person.answer(), rememberDevice: true });
    expect(verified.statusCode).toBe(200);
    const setCookie = String(verified.headers['set-cookie']);
    return { tokens: verified.json(), setCookie, cookie: setCookie.split(';')[0] as string };
  }

  /** A sign-in with the password from a browser holding `cookie`: tokens, or the second step. */
  const passwordSignIn = async (person: Awaited<ReturnType<typeof enrolled>>, cookie: string, password = person.user.password) =>
    (await post('/auth/login', { email: person.user.email, password }, { cookie })).json();

  it('skips the second step for the browser it remembered: amr pwd and acr aal1, and step-up still asks for the factor', async () => {
    const person = await enrolled();
    const { tokens, setCookie, cookie } = await signInRemembering(person);
    expect(claimsOf(tokens.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'aal2' });
    expect(setCookie).toMatch(/^__Host-tessera_device=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);

    const again = await passwordSignIn(person, cookie);
    expect(again.mfaRequired).toBeUndefined();
    expect(claimsOf(again.accessToken)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
    const me = await h.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(again.accessToken) });
    expect(me.json()).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
    // The browser stood in for the factor at sign-in only: changing credentials asks for the factor itself.
    const removal = await h.app.inject({ method: 'DELETE', url: `/auth/mfa/${person.factorId}`, headers: bearer(again.accessToken) });
    expect(removal.statusCode).toBe(401);
    expect(removal.json().code).toBe('STEP_UP_REQUIRED');
    expect(removal.headers['www-authenticate']).toContain('insufficient_user_authentication');

    const listed = await h.app.inject({ method: 'GET', url: '/auth/mfa/remembered-devices', headers: bearer(again.accessToken) });
    expect(listed.statusCode).toBe(200);
    const [device] = listed.json().data;
    expect(Object.keys(device).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'userAgent']);
    expect(device.lastUsedAt).toEqual(expect.any(String));
    expect(Date.parse(device.expiresAt) - Date.parse(device.createdAt)).toBeCloseTo(30 * 86_400_000, -4);
    expect(listed.body).not.toContain(cookie.split('=')[1]?.split('.')[0]);
    const [stored] = await rows<{ token_hash: string }>(sql`SELECT token_hash FROM mfa_remembered_devices WHERE id = ${device.id}`);
    expect(listed.body).not.toContain(stored?.token_hash);
    const audit = await rows<{ action: string }>(
      sql`SELECT action FROM audit_logs WHERE entity_id = ${person.userId} AND action LIKE 'mfa.%device%' ORDER BY id`,
    );
    expect(audit.map((row) => row.action)).toEqual(['mfa.device_remembered', 'mfa.remembered_device_used']);
  });

  it("refuses another person's cookie, an altered signature, an expired or forgotten device: the second step comes back", async () => {
    const person = await enrolled();
    const other = await enrolled();
    const { cookie } = await signInRemembering(person);
    const { cookie: othersCookie } = await signInRemembering(other);
    expect((await passwordSignIn(person, othersCookie)).mfaRequired).toBe(true);

    const [name, value] = cookie.split('=') as [string, string];
    const decoded = decodeURIComponent(value);
    const signature = decoded.slice(decoded.lastIndexOf('.') + 1);
    const altered = `${decoded.slice(0, decoded.lastIndexOf('.') + 1)}${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expect((await passwordSignIn(person, `${name}=${encodeURIComponent(altered)}`)).mfaRequired).toBe(true);
    expect((await passwordSignIn(person, `${name}=${encodeURIComponent(`x${decoded}`)}`)).mfaRequired).toBe(true);
    expect((await passwordSignIn(person, cookie)).accessToken).toEqual(expect.any(String));

    await h.context.database.primary.execute(
      sql`UPDATE mfa_remembered_devices SET expires_at = now() - interval '1 second' WHERE user_id = ${person.userId}`,
    );
    expect((await passwordSignIn(person, cookie)).mfaRequired).toBe(true);

    const { cookie: fresh, tokens } = await signInRemembering(person);
    expect((await passwordSignIn(person, fresh)).accessToken).toEqual(expect.any(String));
    const headers = bearer(tokens.accessToken);
    const [device] = (await h.app.inject({ method: 'GET', url: '/auth/mfa/remembered-devices', headers })).json().data;
    const forgotten = await h.app.inject({ method: 'DELETE', url: `/auth/mfa/remembered-devices/${device.id}`, headers });
    expect(forgotten.statusCode).toBe(204);
    const twice = await h.app.inject({ method: 'DELETE', url: `/auth/mfa/remembered-devices/${device.id}`, headers });
    expect([twice.statusCode, twice.json().code]).toEqual([404, 'REMEMBERED_DEVICE_NOT_FOUND']);
    expect((await passwordSignIn(person, fresh)).mfaRequired).toBe(true);

    const { cookie: third } = await signInRemembering(person);
    expect((await h.app.inject({ method: 'DELETE', url: '/auth/mfa/remembered-devices', headers })).statusCode).toBe(204);
    expect((await passwordSignIn(person, third)).mfaRequired).toBe(true);
    expect((await h.app.inject({ method: 'GET', url: '/auth/mfa/remembered-devices', headers })).json().data).toEqual([]);
    // The other person's device was never touched.
    expect((await passwordSignIn(other, othersCookie)).accessToken).toEqual(expect.any(String));
  });

  it("asks the factor of a remembered browser's sign-in for a new factor or recovery codes, the password given or not, however old the sign-in", async () => {
    const person = await enrolled();
    const { cookie } = await signInRemembering(person);
    const remembered = await passwordSignIn(person, cookie);
    expect(claimsOf(remembered.accessToken)).toMatchObject({ amr: ['pwd'] });
    const headers = bearer(remembered.accessToken);
    const fresh = { password: person.user.password };
    const ways = ['/auth/mfa/recovery-codes', '/auth/mfa/totp', '/auth/passkeys/options'];
    const answers = async () => {
      const answered: unknown[] = [];
      for (const url of ways) {
        const res = await post(url, fresh, headers);
        answered.push([url, res.statusCode, res.json().code]);
      }
      return answered;
    };
    const refusedEverywhere = ways.map((url) => [url, 401, 'STEP_UP_REQUIRED']);
    expect(await answers()).toEqual(refusedEverywhere);
    // Past STEP_UP_MAX_AGE (a driven clock), the password renews the sign-in's age, never its strength.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60_000 });
    try {
      expect(await answers()).toEqual(refusedEverywhere);
    } finally {
      vi.useRealTimers();
    }
    const [codes] = await rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE entity_id = ${person.userId} AND action = 'mfa.recovery_codes_generated'`,
    );
    expect(codes?.n).toBe(1);
  });

  it('forgets every device when an administrator signs the person out everywhere, even with no session open', async () => {
    const person = await enrolled();
    const remembered = await signInRemembering(person);
    // Signed out in that browser, and the session that enrolled ended too: nothing is live when the administrator acts.
    expect((await post('/auth/logout', {}, bearer(remembered.tokens.accessToken))).statusCode).toBe(204);
    expect((await post('/auth/logout', {}, person.headers)).statusCode).toBe(204);
    const admin = await loginAs(h, { roles: ['admin'] });
    const ended = await h.app.inject({ method: 'DELETE', url: `/users/${person.userId}/sessions`, headers: admin.headers });
    expect(ended.statusCode).toBe(204);
    expect((await passwordSignIn(person, remembered.cookie)).mfaRequired).toBe(true);
  });

  it('sets no cookie unless asked', async () => {
    const person = await enrolled();
    const { mfaToken } = (await post('/auth/login', { email: person.user.email, password: person.user.password })).json();
    const verified = await post('/auth/mfa/verify', { mfaToken, ...person.answer() });
    expect(verified.statusCode).toBe(200);
    expect(verified.headers['set-cookie']).toBeUndefined();
  });

  it('forgets every device on a password change, sign-out everywhere and the last factor removed', async () => {
    const person = await enrolled();
    const changed = await signInRemembering(person);
    const newPassword = 'a different passphrase entirely';
    const change = await post(
      '/auth/change-password',
      { currentPassword: person.user.password, newPassword },
      bearer(changed.tokens.accessToken),
    );
    expect(change.statusCode).toBe(204);
    expect((await passwordSignIn(person, changed.cookie, newPassword)).mfaRequired).toBe(true);

    const everywhere = await signInRemembering(person, newPassword);
    expect((await post('/auth/logout-all', {}, bearer(everywhere.tokens.accessToken))).statusCode).toBe(204);
    expect((await passwordSignIn(person, everywhere.cookie, newPassword)).mfaRequired).toBe(true);

    const last = await signInRemembering(person, newPassword);
    const removed = await h.app.inject({
      method: 'DELETE',
      url: `/auth/mfa/${person.factorId}`,
      headers: bearer(last.tokens.accessToken),
    });
    expect(removed.statusCode).toBe(204);
    expect(await rows(sql`SELECT 1 FROM mfa_remembered_devices WHERE user_id = ${person.userId}`)).toEqual([]);
    const reasons = await rows<{ reason: string }>(
      sql`SELECT payload->>'reason' AS reason FROM audit_logs WHERE entity_id = ${person.userId} AND action = 'mfa.device_forgotten' ORDER BY id`,
    );
    expect(reasons.map((row) => row.reason)).toEqual(['auth.password_changed', 'auth.logout_all', 'last_factor_removed']);
  });

  it('forgets every device when any factor is removed: a browser remembered on the strength of a lost factor is not trusted on', async () => {
    const person = await enrolled();
    const remembered = await signInRemembering(person);
    const strong = bearer(remembered.tokens.accessToken);
    // A second authenticator app (the first one's phone is about to be lost).
    const { factorId, secret } = (await post('/auth/mfa/totp', {}, strong)).json();
    expect((await post(`/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt()) }, strong)).statusCode).toBe(200);
    expect((await passwordSignIn(person, remembered.cookie)).accessToken).toBeDefined();

    // The lost phone's app removed, the other one kept: the browser remembered before is asked for a factor again.
    const removed = await h.app.inject({ method: 'DELETE', url: `/auth/mfa/${person.factorId}`, headers: strong });
    expect(removed.statusCode).toBe(204);
    expect((await passwordSignIn(person, remembered.cookie)).mfaRequired).toBe(true);
    const reasons = await rows<{ reason: string }>(
      sql`SELECT payload->>'reason' AS reason FROM audit_logs WHERE entity_id = ${person.userId} AND action = 'mfa.device_forgotten' ORDER BY id`,
    );
    expect(reasons.map((row) => row.reason)).toEqual(['factor_removed']);
  });

  it("forgets every device on a password reset and on an administrator's reset of the factors", async () => {
    const person = await enrolled();
    const before = await signInRemembering(person);
    expect((await post('/auth/forgot-password', { email: person.user.email })).statusCode).toBe(202);
    const mail = await smtp.waitFor(person.user.email, /Reset your password/);
    const newPassword = 'the passphrase after a reset';
    expect((await post('/auth/reset-password', { token: tokenOf(mail.link), password: newPassword })).statusCode).toBe(204);
    expect((await passwordSignIn(person, before.cookie, newPassword)).mfaRequired).toBe(true);

    const kept = await signInRemembering(person, newPassword);
    const admin = await loginAs(h, { roles: ['admin'] });
    expect((await h.app.inject({ method: 'DELETE', url: `/users/${person.userId}/mfa`, headers: admin.headers })).statusCode).toBe(204);
    expect(await rows(sql`SELECT 1 FROM mfa_remembered_devices WHERE user_id = ${person.userId}`)).toEqual([]);
    // No factor left: the sign-in needs no second step, and the browser holds nothing that would stand in for one.
    const after = await passwordSignIn(person, kept.cookie, newPassword);
    expect(claimsOf(after.accessToken)).toMatchObject({ amr: ['pwd'] });
    const reasons = await rows<{ reason: string }>(
      sql`SELECT payload->>'reason' AS reason FROM audit_logs WHERE entity_id = ${person.userId} AND action = 'mfa.device_forgotten' ORDER BY id`,
    );
    expect(reasons.map((row) => row.reason)).toEqual(['auth.password_reset', 'mfa.factors_reset']);
  });
});
