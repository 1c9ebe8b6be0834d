import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createSealedContinuations } from '../src/modules/auth/sealed-continuations.js';
import { createTokenService } from '../src/modules/auth/tokens.js';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { createOrganization, createUser, enrolAuthenticator, guessUntilHeld, impersonate, login, loginAs } from './helpers/auth.js';
import { stepAt, totpCode } from './helpers/totp.js';

type Headers = Record<string, string>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());

describe('TOTP, recovery codes, the second step of sign-in, policies and step-up', () => {
  let h: Harness;
  let peer: Harness;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', SIGNING_KEY_SECRET: 'ab'.repeat(32) } });
    peer = await createPeer(h);
  });
  afterAll(async () => {
    await peer.close();
    await h.close();
  });

  const post = (target: Harness, url: string, payload: object, headers: Headers = {}) =>
    target.app.inject({ method: 'POST', url, payload, headers });

  const enrolled = (options: Parameters<typeof loginAs>[1] = {}) => enrolAuthenticator(h, options);

  /** An administrator sets a new password on the account (as after a takeover), which ends what the old one began. */
  async function passwordSetBy(admin: { headers: Headers }, userId: string, password: string) {
    const set = await h.app.inject({ method: 'PUT', url: `/users/${userId}/password`, headers: admin.headers, payload: { password } });
    expect(set.statusCode).toBe(204);
  }

  async function passwordStep(target: Harness, email: string, password: string) {
    const res = await post(target, '/auth/login', { email, password });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.mfaRequired).toBe(true);
    expect(body.accessToken).toBeUndefined();
    return body.mfaToken as string;
  }

  it('enrols an authenticator app: secret sealed at rest, QR code, ten recovery codes once, a listing with no secret', async () => {
    const session = await loginAs(h);
    const started = await post(h, '/auth/mfa/totp', {}, session.headers);
    expect(started.statusCode).toBe(201);
    const { factorId, secret, otpauthUri, qrSvg } = started.json();
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrSvg).toContain('<svg');
    const [sealed] = await queryRows<{ secret: string }>(
      h.context.database.primary,
      sql`SELECT secret FROM mfa_factors WHERE id = ${factorId}`,
    );
    expect(sealed?.secret.startsWith('enc:v1:')).toBe(true);
    expect(sealed?.secret).not.toContain(secret);

    const pending = await h.app.inject({ method: 'GET', url: '/auth/mfa', headers: session.headers });
    expect(pending.json().data).toEqual([]);
    const wrong = await post(h, `/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt() + 5) }, session.headers);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('INVALID_MFA_CODE');
    const confirmed = await post(
      h,
      `/auth/mfa/totp/${factorId}/confirm`,
      { code: totpCode(secret, stepAt()), name: 'Phone' },
      session.headers,
    );
    expect(confirmed.statusCode).toBe(200);
    const { recoveryCodes } = confirmed.json();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const again = await post(h, `/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt()) }, session.headers);
    expect(again.json().code).toBe('FACTOR_ALREADY_CONFIRMED');

    const listed = await h.app.inject({ method: 'GET', url: '/auth/mfa', headers: session.headers });
    expect(listed.json()).toEqual({
      data: [{ id: factorId, kind: 'totp', name: 'Phone', createdAt: expect.any(String), lastUsedAt: expect.any(String) }],
      recoveryCodes: true,
    });
    expect(listed.body).not.toContain(secret);
    const stored = await queryRows<{ secret: string }>(
      h.context.database.primary,
      sql`SELECT secret FROM mfa_factors WHERE user_id = ${session.userId} AND type = 'RECOVERY_CODE'`,
    );
    expect(stored).toHaveLength(10);
    for (const row of stored) {
      expect(row.secret).toMatch(/^[0-9a-f]{64}$/);
      expect(recoveryCodes.some((code: string) => row.secret.includes(code.replace('-', '')))).toBe(false);
    }
    const mails = await queryRows<{ template: string }>(
      h.context.database.primary,
      sql`SELECT template FROM email_outbox WHERE user_id = ${session.userId}`,
    );
    expect(mails.map((mail) => mail.template)).toContain('mfaFactorAdded');
  });

  it('signs in with password then TOTP: no tokens before the code, amr and acr in the token and /auth/me, the mfaToken no Bearer and single use', async () => {
    const person = await enrolled();
    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(mfaToken) })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/auth/mfa', headers: bearer(mfaToken) })).statusCode).toBe(401);

    // The confirmation spent its step: the same code is refused, the next step's is taken (±1 step).
    const reused = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, person.step) });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().code).toBe('INVALID_MFA_CODE');
    const verified = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, person.step + 1) });
    expect(verified.statusCode).toBe(200);
    const tokens = verified.json();
    const claims = claimsOf(tokens.accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('aal2');
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(60);
    const me = await h.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(tokens.accessToken) });
    expect(me.json()).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'aal2' });
    const refreshed = await post(h, '/auth/refresh-token', { refreshToken: tokens.refreshToken });
    expect(claimsOf(refreshed.json().accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'aal2', auth_time: claims.auth_time });

    const spent = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, person.step + 2) });
    expect(spent.statusCode).toBe(401);
    expect(spent.json().code).toBe('INVALID_MFA_TOKEN');

    const plain = await loginAs(h);
    expect(claimsOf(plain.accessToken)).toMatchObject({ amr: ['pwd'], acr: 'aal1' });
  });

  it('reads a code as pasted, with spaces, dashes or padding, at enrolment and at the second step; five digits stay wrong', async () => {
    const session = await loginAs(h);
    const { factorId, secret } = (await post(h, '/auth/mfa/totp', {}, session.headers)).json();
    const short = await post(h, `/auth/mfa/totp/${factorId}/confirm`, { code: ' 123 45 ' }, session.headers);
    expect(short.statusCode).toBe(400);
    expect(short.json().code).toBe('VALIDATION_FAILED');
    const step = stepAt();
    const spaced = totpCode(secret, step).replace(/^(\d{3})/, '$1 ');
    const confirmed = await post(h, `/auth/mfa/totp/${factorId}/confirm`, { code: spaced }, session.headers);
    expect(confirmed.statusCode).toBe(200);

    const mfaToken = await passwordStep(h, session.user.email, session.user.password);
    const wrong = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: ' 12345 ' });
    expect(wrong.json().code).toBe('INVALID_MFA_CODE');
    const padded = ` ${totpCode(secret, step + 1).replace(/^(\d{3})/, '$1-')}\t`;
    const verified = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: padded });
    expect(verified.statusCode).toBe(200);
    expect(claimsOf(verified.json().accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('refuses a code already used on one node when it comes again to another', async () => {
    const person = await enrolled();
    const code = totpCode(person.secret, person.step + 1);
    const first = await post(h, '/auth/mfa/verify', {
      mfaToken: await passwordStep(h, person.user.email, person.user.password),
      method: 'totp',
      code,
    });
    expect(first.statusCode).toBe(200);
    const second = await post(peer, '/auth/mfa/verify', {
      mfaToken: await passwordStep(peer, person.user.email, person.user.password),
      method: 'totp',
      code,
    });
    expect(second.statusCode).toBe(401);
    expect(second.json().code).toBe('INVALID_MFA_CODE');
  });

  it('seals the mfaToken: nothing readable in it, another node takes it, and of two nodes presenting it at once only one wins', async () => {
    const person = await enrolled();
    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    const opaque = Buffer.from(mfaToken.split(':').at(-1) as string, 'base64url').toString('latin1');
    for (const held of [person.user.email, person.userId, 'totp', 'pwd']) {
      expect(mfaToken).not.toContain(held);
      expect(opaque).not.toContain(held);
    }
    const [none] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM mfa_challenges WHERE user_id = ${person.userId}`,
    );
    expect(none?.n).toBe(0);
    // The stop is audited (in the statement that read the factors); a sign-in with no factor records none.
    const plain = await loginAs(h);
    const asked = await queryRows<{ entity_id: string }>(
      h.context.database.primary,
      sql`SELECT entity_id FROM audit_logs WHERE action = 'mfa.second_factor_required' AND entity_id IN (${person.userId}, ${plain.userId})`,
    );
    expect(asked.map((row) => row.entity_id)).toEqual([person.userId]);

    // One right code on two nodes at once: the token's spend decides (the later statement waits on the row the
    // first inserts and finds it spent), so the loser is told its token is used, not its code.
    const code = totpCode(person.secret, person.step + 1);
    const [first, second] = await Promise.all([
      post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code }),
      post(peer, '/auth/mfa/verify', { mfaToken, method: 'totp', code }),
    ]);
    const statuses = [first.statusCode, second.statusCode].sort();
    expect(statuses).toEqual([200, 401]);
    expect([first, second].find((res) => res.statusCode === 401)?.json().code).toBe('INVALID_MFA_TOKEN');
  });

  it('refuses an altered mfaToken, one made for another purpose, and one past its five minutes', async () => {
    const person = await enrolled();
    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    const code = totpCode(person.secret, person.step + 1);
    const flipped = `${mfaToken.slice(0, -3)}${mfaToken.at(-3) === 'A' ? 'B' : 'A'}${mfaToken.slice(-2)}`;
    // The same sealing as the app's, over the same signing keys: what a token made elsewhere would be.
    const continuations = createSealedContinuations(createTokenService(h.context.database.primary, h.context.config));
    const otherPurpose = await continuations.seal('enrolment', { sub: person.userId }, 60_000);
    const expired = await continuations.seal('second-factor', { sub: person.userId }, -1);
    for (const token of [flipped, otherPurpose, expired]) {
      const res = await post(h, '/auth/mfa/verify', { mfaToken: token, method: 'totp', code });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('INVALID_MFA_TOKEN');
    }
    expect((await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code })).statusCode).toBe(200);
  });

  it('keeps a person to five authenticator apps, each of which then answers the second step', async () => {
    const person = await enrolled();
    const secrets = [person.secret];
    // Adding a factor once there is one takes a sign-in with it (step-up).
    const strong = await post(h, '/auth/mfa/verify', {
      mfaToken: await passwordStep(h, person.user.email, person.user.password),
      method: 'totp',
      code: totpCode(person.secret, person.step + 1),
    });
    const headers = bearer(strong.json().accessToken);
    for (let added = 1; added < 5; added++) {
      const started = await post(h, '/auth/mfa/totp', {}, headers);
      expect(started.statusCode).toBe(201);
      const { factorId, secret } = started.json();
      const confirmed = await post(h, `/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt()) }, headers);
      expect(confirmed.statusCode).toBe(200);
      secrets.push(secret);
    }
    const sixth = await post(h, '/auth/mfa/totp', {}, headers);
    expect(sixth.statusCode).toBe(409);
    expect(sixth.json().code).toBe('AUTHENTICATOR_LIMIT_REACHED');

    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    expect(mfaToken.length).toBeLessThan(4000);
    const verified = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(secrets[4] as string, stepAt() + 1) });
    expect(verified.statusCode).toBe(200);
  });

  it('accepts each recovery code once, with amr otp', async () => {
    const person = await enrolled();
    const code = (person.recoveryCodes[3] as string).toUpperCase();
    const used = await post(h, '/auth/mfa/verify', {
      mfaToken: await passwordStep(h, person.user.email, person.user.password),
      method: 'recovery_code',
      code,
    });
    expect(used.statusCode).toBe(200);
    expect(claimsOf(used.json().accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    const again = await post(peer, '/auth/mfa/verify', {
      mfaToken: await passwordStep(peer, person.user.email, person.user.password),
      method: 'recovery_code',
      code,
    });
    expect(again.json().code).toBe('INVALID_MFA_CODE');
    const [audit] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'mfa.recovery_code_used' AND entity_id = ${person.userId}`,
    );
    expect(audit?.n).toBe(1);
  });

  it("stores recovery codes salted with their owner's id, and still spends once a code stored before the salt", async () => {
    const person = await enrolled();
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const normalized = (code: string) => code.replace('-', '');
    const stored = async () =>
      (
        await queryRows<{ id: string; secret: string }>(
          h.context.database.primary,
          sql`SELECT id, secret FROM mfa_factors WHERE user_id = ${person.userId} AND type = 'RECOVERY_CODE' ORDER BY id`,
        )
      ).map((row) => row.secret);
    const salted = person.recoveryCodes.map((code: string) => sha256(`recovery:${person.userId}:${normalized(code)}`));
    expect((await stored()).sort()).toEqual([...salted].sort());
    // A code kept from before: its row holds the unsalted hash, as an earlier version wrote it.
    const legacy = person.recoveryCodes[5] as string;
    await h.context.database.primary.execute(
      sql`UPDATE mfa_factors SET secret = ${sha256(`recovery:${normalized(legacy)}`)}
        WHERE user_id = ${person.userId} AND secret = ${sha256(`recovery:${person.userId}:${normalized(legacy)}`)}`,
    );
    const spend = async () =>
      post(h, '/auth/mfa/verify', {
        mfaToken: await passwordStep(h, person.user.email, person.user.password),
        method: 'recovery_code',
        code: legacy,
      });
    expect((await spend()).statusCode).toBe(200);
    expect((await spend()).json().code).toBe('INVALID_MFA_CODE');
  });

  it('counts wrong codes toward the same per-account throttle as wrong passwords', async () => {
    const person = await enrolled();
    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    const wrong = totpCode(person.secret, person.step + 9);
    // The password's attempt was the first of five free ones from this source, and was not cleared: four
    // wrong codes are answered, then the waits begin (1 s, 2 s, 4 s …). A slow machine may outlast a short
    // wait, so the codes go on until a wait long enough to try the password within it.
    let answered = 0;
    let held: Awaited<ReturnType<typeof post>> | undefined;
    for (let attempt = 0; attempt < 16 && !held; attempt++) {
      const res = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: wrong });
      if (res.statusCode !== 429) {
        expect(res.json().code).toBe('INVALID_MFA_CODE');
        answered++;
      } else if (Number(res.headers['retry-after']) >= 4) held = res;
      else await new Promise((resolve) => setTimeout(resolve, Number(res.headers['retry-after']) * 1000));
      if (attempt === 3) expect(answered).toBe(4);
    }
    expect(held?.json().code).toBe('RATE_LIMITED');
    const password = await post(h, '/auth/login', { email: person.user.email, password: person.user.password });
    expect(password.statusCode).toBe(429);
    // Each wrong code answered is audited (one statement of its own: it opens no transaction).
    const [failed] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'mfa.verification_failed' AND entity_id = ${person.userId}`,
    );
    expect(failed?.n).toBe(answered);
  });

  it('counts a wrong password given to add a factor toward the same throttle as a wrong one at sign-in', async () => {
    const session = await loginAs(h);
    // The sign-in cleared its failures: wrong passwords are answered, then the waits begin.
    const { answered, held } = await guessUntilHeld((attempt) =>
      post(h, '/auth/mfa/totp', { password: `guess number ${attempt}` }, session.headers),
    );
    expect(held).toBe('RATE_LIMITED');
    expect(answered.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answered)).toEqual(new Set(['WRONG_PASSWORD']));
    const password = await post(h, '/auth/login', { email: session.user.email, password: session.user.password });
    expect(password.statusCode).toBe(429);
  });

  it("forces enrolment under an organization's policy `required`: a token that only enrols, then the sign-in finishes", async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, admin, `Strict ${Date.now()}`);
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/organizations/${organizationId}`,
      headers: admin.headers,
      payload: { mfa: 'required' },
    });
    expect(patched.json().mfa).toBe('required');
    const member = await createUser(h, { organizationId });
    const res = await post(h, '/auth/login', { email: member.email, password: member.password });
    const { enrollmentToken, accessToken } = res.json();
    expect(res.json().mfaEnrollmentRequired).toBe(true);
    expect(accessToken).toBeUndefined();
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(enrollmentToken) })).statusCode).toBe(401);

    const started = await post(h, '/auth/mfa/totp', { enrollmentToken });
    expect(started.statusCode).toBe(201);
    const { factorId, secret } = started.json();
    const confirmed = await post(h, `/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt()), enrollmentToken });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().recoveryCodes).toHaveLength(10);
    expect(claimsOf(confirmed.json().signIn.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await post(h, '/auth/mfa/totp', { enrollmentToken })).json().code).toBe('INVALID_ENROLLMENT_TOKEN');
    // From now on the member answers the second step like anyone with a factor.
    await passwordStep(h, member.email, member.password);
  });

  it('ends a sign-in waiting to enrol when a new password is set or the person is signed out everywhere', async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, admin, `Strict and reset ${Date.now()}`);
    await h.app.inject({ method: 'PATCH', url: `/organizations/${organizationId}`, headers: admin.headers, payload: { mfa: 'required' } });
    const member = await createUser(h, { organizationId });
    const waitingToEnrol = async (password: string) =>
      (await post(h, '/auth/login', { email: member.email, password })).json().enrollmentToken as string;
    const refused = async (url: string, payload: object) => {
      const res = await post(h, url, payload);
      return [res.statusCode, res.json().code];
    };
    const invalid = [401, 'INVALID_ENROLLMENT_TOKEN'];

    // Whoever signed in with the password (its owner, or someone who learnt it) started adding an authenticator app.
    const taken = await waitingToEnrol(member.password);
    const started = (await post(h, '/auth/mfa/totp', { enrollmentToken: taken })).json();
    const newPassword = 'the password the administrator set';
    await passwordSetBy(admin, member.id, newPassword);
    const confirm = { code: totpCode(started.secret, stepAt()), enrollmentToken: taken };
    expect(await refused(`/auth/mfa/totp/${started.factorId}/confirm`, confirm)).toEqual(invalid);
    expect(await refused('/auth/mfa/totp', { enrollmentToken: taken })).toEqual(invalid);
    expect(await refused('/auth/passkeys/options', { enrollmentToken: taken })).toEqual(invalid);

    // Signed out everywhere by an administrator, though no session was open yet.
    const waiting = await waitingToEnrol(newPassword);
    const ended = await h.app.inject({ method: 'DELETE', url: `/users/${member.id}/sessions`, headers: admin.headers });
    expect(ended.statusCode).toBe(204);
    expect(await refused('/auth/mfa/totp', { enrollmentToken: waiting })).toEqual(invalid);
    const [factors] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = ${member.id} AND confirmed_at IS NOT NULL`,
    );
    expect(factors?.n).toBe(0);
    // A sign-in with the password now in force enrols as before.
    expect((await post(h, '/auth/mfa/totp', { enrollmentToken: await waitingToEnrol(newPassword) })).statusCode).toBe(201);
  });

  it('refuses a sign-in waiting to enrol once the person has a factor: it answers the second step, it adds none', async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, admin, `Strict and raced ${Date.now()}`);
    await h.app.inject({ method: 'PATCH', url: `/organizations/${organizationId}`, headers: admin.headers, payload: { mfa: 'required' } });
    const member = await createUser(h, { organizationId });
    const waitingToEnrol = async () =>
      (await post(h, '/auth/login', { email: member.email, password: member.password })).json().enrollmentToken as string;
    const invalid = [401, 'INVALID_ENROLLMENT_TOKEN'];

    // Someone who learnt the password signs in and waits at the enrolment.
    const intruder = await waitingToEnrol();
    // The owner signs in too and adds their authenticator app; their sign-in finishes.
    const owner = await waitingToEnrol();
    const ownerApp = (await post(h, '/auth/mfa/totp', { enrollmentToken: owner })).json();
    const ownerConfirmed = await post(h, `/auth/mfa/totp/${ownerApp.factorId}/confirm`, {
      code: totpCode(ownerApp.secret, stepAt()),
      enrollmentToken: owner,
    });
    expect(ownerConfirmed.statusCode).toBe(200);

    // The intruder's token no longer adds a factor, so it finishes no sign-in without the owner's.
    const started = await post(h, '/auth/mfa/totp', { enrollmentToken: intruder });
    expect([started.statusCode, started.json().code]).toEqual(invalid);
    const passkey = await post(h, '/auth/passkeys/options', { enrollmentToken: intruder });
    expect([passkey.statusCode, passkey.json().code]).toEqual(invalid);
    const [factors] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM mfa_factors WHERE user_id = ${member.id} AND type = 'TOTP' AND confirmed_at IS NOT NULL`,
    );
    expect(factors?.n).toBe(1);
    // A sign-in now answers the second step with the owner's factor.
    expect((await post(h, '/auth/login', { email: member.email, password: member.password })).json().mfaRequired).toBe(true);
  });

  it('ends a sign-in waiting for its second factor when a new password is set meanwhile', async () => {
    const person = await enrolled();
    const admin = await loginAs(h, { roles: ['admin'] });
    // Whoever gave the password (its owner, or someone who learnt it and the factor) waits at the second step.
    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    const newPassword = 'the password after the takeover';
    await passwordSetBy(admin, person.userId, newPassword);
    const late = await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, person.step + 1) });
    expect([late.statusCode, late.json().code]).toEqual([401, 'INVALID_MFA_TOKEN']);
    // The code was not spent: the sign-in with the password now in force takes it.
    const again = await passwordStep(h, person.user.email, newPassword);
    const signedIn = await post(h, '/auth/mfa/verify', { mfaToken: again, method: 'totp', code: totpCode(person.secret, person.step + 1) });
    expect(signedIn.statusCode).toBe(200);
  });

  it('asks step-up (RFC 9470) of a stale or single-factor session, and lets a fresh two-factor sign-in through', async () => {
    const person = await enrolled();
    // The session that enrolled was proven by a password only: removing a factor needs the factor too.
    const weak = await h.app.inject({ method: 'DELETE', url: `/auth/mfa/${person.factorId}`, headers: person.headers });
    expect(weak.statusCode).toBe(401);
    expect(weak.json().code).toBe('STEP_UP_REQUIRED');
    expect(weak.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');

    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    const strong = (await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, person.step + 1) })).json();
    expect((await post(h, '/auth/api-keys', { name: 'fresh', scopes: [] }, bearer(strong.accessToken))).statusCode).toBe(201);
    await queryRows(
      h.context.database.primary,
      sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = ${person.userId}`,
    );
    const stale = await post(h, '/auth/api-keys', { name: 'stale', scopes: [] }, bearer(strong.accessToken));
    expect(stale.statusCode).toBe(401);
    expect(stale.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="a more recent sign-in with a second factor is required"',
    );
    const [refused] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'mfa.step_up_refused' AND entity_id = ${person.userId}`,
    );
    expect(refused?.n).toBe(2);

    const again = await post(h, '/auth/mfa/verify', {
      mfaToken: await passwordStep(h, person.user.email, person.user.password),
      method: 'recovery_code',
      code: person.recoveryCodes[0],
    });
    const fresh = bearer(again.json().accessToken);
    expect((await post(h, '/auth/api-keys', { name: 'again', scopes: [] }, fresh)).statusCode).toBe(201);
    const removed = await h.app.inject({ method: 'DELETE', url: `/auth/mfa/${person.factorId}`, headers: fresh });
    expect(removed.statusCode).toBe(204);
    // The last factor took the recovery codes with it: the password alone signs in again.
    const plain = await post(h, '/auth/login', { email: person.user.email, password: person.user.password });
    expect(plain.json().accessToken).toEqual(expect.any(String));
  });

  it("measures an impersonation's step-up by the administrator's own sign-in, not by when the impersonation began", async () => {
    const support = await loginAs(h, { permissions: ['users:read', 'users:impersonate', 'roles:manage'] });
    const manager = await createUser(h, { permissions: ['users:read', 'roles:manage'] });
    const learner = await createUser(h);
    // The administrator signed in an hour ago: the refreshed token carries that sign-in's time.
    await queryRows(
      h.context.database.primary,
      sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = ${support.userId}`,
    );
    const refreshed = (await post(h, '/auth/refresh-token', { refreshToken: support.refreshToken })).json();
    const grant = async (headers: Headers) => {
      const res = await post(h, `/users/${learner.id}/permissions`, { permissions: ['users:read'] }, headers);
      return [res.statusCode, res.statusCode === 204 ? undefined : res.json().code];
    };
    const stepUp = [401, 'STEP_UP_REQUIRED'];
    expect(await grant(bearer(refreshed.accessToken))).toEqual(stepUp);
    const started = await post(h, `/users/${manager.id}/impersonate`, { reason: 'Ticket 91: grants' }, bearer(refreshed.accessToken));
    expect(started.statusCode, started.body).toBe(201);
    expect(claimsOf(started.json().accessToken).auth_time).toBe(claimsOf(refreshed.accessToken).auth_time);
    expect(await grant(bearer(started.json().accessToken))).toEqual(stepUp);
    const [held] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM user_permissions WHERE user_id = ${learner.id}`,
    );
    expect(held?.n).toBe(0);
  });

  it('renames a factor in a signed-in session only: neither an API key nor an impersonation changes one', async () => {
    const person = await enrolled();
    const mfaToken = await passwordStep(h, person.user.email, person.user.password);
    const strong = (await post(h, '/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, person.step + 1) })).json();
    const { key } = (await post(h, '/auth/api-keys', { name: 'ci', scopes: [] }, bearer(strong.accessToken))).json();
    const support = await loginAs(h, { permissions: ['users:read', 'users:impersonate'] });
    const rename = async (headers: Headers) => {
      const res = await h.app.inject({ method: 'PATCH', url: `/auth/mfa/${person.factorId}`, headers, payload: { name: 'Taken' } });
      return [res.statusCode, res.json().code];
    };
    expect(await rename({ 'x-api-key': key })).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    expect(await rename(await impersonate(h, support, person.userId, 'Ticket 92: factors'))).toEqual([403, 'IMPERSONATION_NOT_ALLOWED']);
    const listed = (await h.app.inject({ method: 'GET', url: '/auth/mfa', headers: bearer(strong.accessToken) })).json();
    expect(listed.data[0].name).not.toBe('Taken');
    expect(await rename(bearer(strong.accessToken))).toEqual([200, undefined]);
  });

  it('lets an administrator reset a person’s factors: audited, mailed, shown by include=mfa', async () => {
    const person = await enrolled();
    const admin = await loginAs(h, { roles: ['admin'] });
    const before = await h.app.inject({ method: 'GET', url: `/users/${person.userId}?include=mfa`, headers: admin.headers });
    expect(before.json().mfa).toMatchObject({ enabled: true, kinds: ['recovery_code', 'totp'], factors: [{ kind: 'totp' }] });
    expect(JSON.stringify(before.json().mfa)).not.toContain(person.secret);
    const outsider = await loginAs(h);
    expect((await h.app.inject({ method: 'DELETE', url: `/users/${person.userId}/mfa`, headers: outsider.headers })).statusCode).toBe(403);

    const reset = await h.app.inject({ method: 'DELETE', url: `/users/${person.userId}/mfa`, headers: admin.headers });
    expect(reset.statusCode).toBe(204);
    const after = await h.app.inject({ method: 'GET', url: `/users/${person.userId}?include=mfa`, headers: admin.headers });
    expect(after.json().mfa).toEqual({ enabled: false, kinds: [], factors: [] });
    const [audit] = await queryRows<{ actor_id: string }>(
      h.context.database.primary,
      sql`SELECT actor_id FROM audit_logs WHERE action = 'mfa.factors_reset' AND entity_id = ${person.userId}`,
    );
    expect(audit?.actor_id).toBe(admin.userId);
    const mails = await queryRows<{ template: string }>(
      h.context.database.primary,
      sql`SELECT template FROM email_outbox WHERE user_id = ${person.userId} AND template = 'mfaFactorsReset'`,
    );
    expect(mails).toHaveLength(1);
    expect((await login(h, person.user.email, person.user.password)).accessToken).toEqual(expect.any(String));
  });
});
