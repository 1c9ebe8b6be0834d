import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { organizationMemberships, users } from '../src/db/schema/index.js';
import type { Harness } from './helpers/app.js';
import { createOrganization, loginAs } from './helpers/auth.js';
import { hasChromium } from './helpers/chromium.js';
import { type PagesRig, startPages } from './helpers/pages.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';
import { stepAt, totpCode } from './helpers/totp.js';

type Headers = Record<string, string>;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());

// Accepting an invitation is a way in like a password: it goes through the same second step, and a new
// account under an organization's policy `required` enrols before it gets a session.
describe('invitation sign-ins and the second step', () => {
  let rig: PagesRig;
  let h: Harness;
  let smtp: SmtpReceiver;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let open: string;
  let strict: string;
  let counter = 0;
  const address = (name: string) => `${name}-${++counter}-${Date.now()}@example.com`;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    rig = await startPages({
      SMTP_URL: smtp.url,
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      SIGNING_KEY_SECRET: 'cd'.repeat(32),
    });
    h = rig.h;
    admin = await loginAs(h, { roles: ['admin'] });
    open = await createOrganization(h, admin, `Open ${Date.now()}`);
    strict = await createOrganization(h, admin, `Strict ${Date.now()}`);
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/organizations/${strict}`,
      headers: admin.headers,
      payload: { mfa: 'required' },
    });
    expect(patched.json().mfa).toBe('required');
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await smtp?.close();
  });

  const post = (url: string, payload: object, headers: Headers = {}) => h.app.inject({ method: 'POST', url, payload, headers });

  /** The mailed link of a new invitation to the organization. */
  async function invite(organizationId: string, email: string) {
    const res = await post(`/organizations/${organizationId}/invitations`, { email }, admin.headers);
    expect(res.statusCode).toBe(201);
    return (await smtp.waitFor(email, /invited you/)).link as string;
  }

  /** A person with a confirmed authenticator app, signed in with their password only (the session it was added in). */
  async function withAuthenticatorApp() {
    const session = await loginAs(h, { password: 'an app holder passphrase' });
    const started = await post('/auth/mfa/totp', {}, session.headers);
    const { factorId, secret } = started.json();
    const confirmed = await post(`/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt()) }, session.headers);
    expect(confirmed.statusCode).toBe(200);
    return { ...session, secret: secret as string };
  }

  const memberOf = async (userId: string) =>
    (await h.context.database.primary.select().from(organizationMemberships).where(eq(organizationMemberships.userId, userId))).map(
      (membership) => membership.organizationId,
    );

  it("stops a new account under the organization's policy `required` at enrolment, then finishes the sign-in", async () => {
    const email = address('strict-newcomer');
    const token = tokenOf(await invite(strict, email));
    const accepted = await post('/invitations/accept', { token, password: 'a strict newcomer passphrase', firstName: 'S', lastName: 'N' });
    expect(accepted.statusCode).toBe(200);
    const { mfaEnrollmentRequired, enrollmentToken, accessToken } = accepted.json();
    expect(mfaEnrollmentRequired).toBe(true);
    expect(accessToken).toBeUndefined();
    // The account exists and the invitation is spent; the session waits for the factor.
    const [created] = await h.context.database.primary.select().from(users).where(eq(users.email, email));
    expect(created?.organizationId).toBe(strict);
    expect((await post('/invitations/accept', { token, password: 'a strict newcomer passphrase' })).json().code).toBe('INVALID_INVITATION');

    const started = await post('/auth/mfa/totp', { enrollmentToken });
    const { factorId, secret } = started.json();
    const confirmed = await post(`/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt()), enrollmentToken });
    expect(confirmed.statusCode).toBe(200);
    expect(claimsOf(confirmed.json().signIn.accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], org: strict });
  });

  it('lets a new account under an open organization in with tokens at once', async () => {
    const token = tokenOf(await invite(open, address('open-newcomer')));
    const accepted = await post('/invitations/accept', { token, password: 'an open newcomer passphrase', firstName: 'O', lastName: 'N' });
    expect(accepted.statusCode).toBe(200);
    expect(claimsOf(accepted.json().accessToken).amr).toEqual(['pwd']);
  });

  it('asks a signed-in person with a factor whose session was proven by the password alone for the second step', async () => {
    const person = await withAuthenticatorApp();
    const token = tokenOf(await invite(open, person.user.email));
    const accepted = await post('/invitations/accept', { token }, person.headers);
    expect(accepted.statusCode).toBe(200);
    const { mfaRequired, mfaToken, methods, accessToken } = accepted.json();
    expect(mfaRequired).toBe(true);
    expect(methods).toContain('totp');
    expect(accessToken).toBeUndefined();
    // The membership is granted; the new session comes only with the second factor.
    expect(await memberOf(person.userId)).toContain(open);
    const wrong = await post('/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, stepAt() + 5) });
    expect(wrong.json().code).toBe('INVALID_MFA_CODE');
    const verified = await post('/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, stepAt() + 1) });
    expect(verified.statusCode).toBe(200);
    expect(claimsOf(verified.json().accessToken)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
  });

  it('does not ask again a person whose session already holds the second factor', async () => {
    const person = await withAuthenticatorApp();
    const mfaToken = (await post('/auth/login', { email: person.user.email, password: 'an app holder passphrase' })).json().mfaToken;
    const signedIn = await post('/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(person.secret, stepAt() + 1) });
    const token = tokenOf(await invite(open, person.user.email));
    const accepted = await post('/invitations/accept', { token }, { authorization: `Bearer ${signedIn.json().accessToken}` });
    expect(accepted.statusCode).toBe(200);
    expect(claimsOf(accepted.json().accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it("finishes a stale session's acceptance, stopped for the enrolment its policy requires, with that session's sign-in time", async () => {
    const person = await loginAs(h);
    const [stale] = await queryRows<{ at: Date }>(
      h.context.database.primary,
      sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = ${person.userId} RETURNING created_at AS at`,
    );
    // The session's access token as a refresh hands it out: its auth_time is the session's sign-in.
    const refreshed = (await post('/auth/refresh-token', { refreshToken: person.refreshToken })).json();
    const token = tokenOf(await invite(strict, person.user.email));
    const { enrollmentToken } = (await post('/invitations/accept', { token }, { authorization: `Bearer ${refreshed.accessToken}` })).json();
    const { factorId, secret } = (await post('/auth/mfa/totp', { enrollmentToken })).json();
    const confirmed = await post(`/auth/mfa/totp/${factorId}/confirm`, { code: totpCode(secret, stepAt()), enrollmentToken });
    expect(confirmed.statusCode).toBe(200);
    // Adding a factor proves nothing of who adds it: the session is as old as the one that accepted.
    expect(claimsOf(confirmed.json().signIn.accessToken)).toMatchObject({
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: Math.floor(new Date(stale?.at as Date).getTime() / 1000),
    });
  });

  describe.skipIf(!hasChromium)('on the hosted pages', () => {
    it('sends the owner of an account with a factor through the second step, back to the invitation, and in', async () => {
      const person = await withAuthenticatorApp();
      const link = await invite(open, person.user.email);
      const context = await rig.context();
      const page = await context.newPage();
      await page.goto(link);
      await page.getByLabel(/^Password$/).fill('an app holder passphrase');
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
      expect(await memberOf(person.userId)).not.toContain(open);
      await page.getByLabel('Code').fill(totpCode(person.secret, stepAt() + 1));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText(`You are signed in as ${person.user.email}.`).waitFor();
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      expect(await memberOf(person.userId)).toContain(open);
      await context.close();
    }, 90_000);

    it("walks a new person under the organization's policy `required` through enrolment before the account page", async () => {
      const email = address('strict-page');
      const link = await invite(strict, email);
      const context = await rig.context();
      const page = await context.newPage();
      await page.goto(link);
      await page.getByLabel('First name').fill('Stella');
      await page.getByLabel('Last name').fill('Strict');
      await page.getByLabel('New password').fill('a strict page passphrase');
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await page.getByText('Your organization requires a second factor. Set one up to finish signing in.').waitFor();
      expect((await context.cookies()).find((cookie) => cookie.name === 'tessera_session')).toBeUndefined();
      const secret = (await page.locator('code').first().textContent()) as string;
      await page.getByLabel('Code').fill(totpCode(secret, stepAt()));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      expect((await context.cookies()).find((cookie) => cookie.name === 'tessera_session')).toBeDefined();
      await context.close();
    }, 90_000);
  });
});
