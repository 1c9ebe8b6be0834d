import { and, eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLogs, oauthCodes, users } from '../src/db/schema/index.js';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { createOrganization, createUser, login, loginAs } from './helpers/auth.js';
import { type Browser, createBrowser } from './helpers/browser.js';
import { auditActions, authorizePath, federationConfig, pkcePair, redeem, signInWith } from './helpers/federation.js';
import { startOpenIdProvider, type TestProvider } from './helpers/op.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

const callbackPath = '/auth/oauth/oidc/callback';
let counter = 0;

describe('social sign-in with an OpenID Connect provider', () => {
  let h: Harness;
  let op: TestProvider;
  let browser: Browser;
  let smtp: SmtpReceiver;

  /** A new person at the provider, who signs in next. */
  function nextPerson(claims: { email?: string; email_verified?: boolean } = {}) {
    const sub = `person-${++counter}`;
    op.accounts.set(sub, { email: `${sub}@example.com`, email_verified: true, given_name: 'Ada', family_name: 'Lovelace', ...claims });
    op.signInAs = sub;
    return sub;
  }

  beforeAll(async () => {
    op = await startOpenIdProvider({
      clientId: 'tessera',
      clientSecret: 'tessera-secret',
      redirectUris: [`https://tessera.test${callbackPath}`],
    });
    smtp = await startSmtpReceiver();
    h = await createHarness({
      config: {
        ...federationConfig,
        SMTP_URL: smtp.url,
        OAUTH_OIDC_ISSUER: op.issuer,
        OAUTH_OIDC_CLIENT_ID: 'tessera',
        OAUTH_OIDC_CLIENT_SECRET: 'tessera-secret',
      },
    });
  });
  beforeEach(() => {
    browser = createBrowser(h);
    op.tamperIdToken = undefined;
    op.codeTtl = 60;
  });
  afterAll(async () => {
    await h?.close();
    await op?.close();
    await smtp?.close();
  });

  /** Finishes a link=true sign-in: its code and verifier, sent by the account it links to. */
  const exchangeLink = (headers: Record<string, string>, landed: { code: string | null; verifier: string }) =>
    h.app.inject({ method: 'POST', url: '/auth/identities', headers, payload: { code: landed.code, codeVerifier: landed.verifier } });

  it('creates the account on first sign-in, hands the app a code for the login shape, and signs the same person in again', async () => {
    op.accounts.set('alice', { email: 'Alice@Example.com', email_verified: true, given_name: 'Alice', family_name: 'Liddell' });
    op.signInAs = 'alice';
    const first = await signInWith(browser, 'oidc', { state: 'app-state-1' });
    expect(first.error).toBeNull();
    expect(first.url.searchParams.get('state')).toBe('app-state-1');
    const res = await redeem(h, first.code, first.verifier);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ tokenType: 'Bearer', user: { email: 'alice@example.com', firstName: 'Alice', emailVerified: true } });
    const me = await h.app.inject({ url: '/auth/me', headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(me.json().roles).toEqual(['user']);
    expect(await auditActions(h, body.user.id)).toContain('federation.registered');

    const again = await signInWith(createBrowser(h), 'oidc');
    const second = (await redeem(h, again.code, again.verifier)).json();
    expect(second.user.id).toBe(body.user.id);
    const identities = await h.app.inject({ url: '/auth/identities', headers: { authorization: `Bearer ${second.accessToken}` } });
    expect(identities.json().data).toEqual([
      expect.objectContaining({ provider: 'oidc', email: 'alice@example.com', emailVerified: true }),
    ]);
  });

  it('links a verified address to the account that verified it too, and audits it', async () => {
    const owner = await createUser(h, { email: `owner${++counter}@example.com` });
    nextPerson({ email: owner.email, email_verified: true });
    const landed = await signInWith(browser, 'oidc');
    const res = await redeem(h, landed.code, landed.verifier);
    expect(res.json().user.id).toBe(owner.id);
    expect(await auditActions(h, owner.id)).toEqual(['identity.linked']);
  });

  it('refuses to link an address the provider did not verify: ACCOUNT_EXISTS_LINK_REQUIRED', async () => {
    const owner = await createUser(h, { email: `victim${++counter}@example.com` });
    nextPerson({ email: owner.email, email_verified: false });
    const landed = await signInWith(browser, 'oidc');
    expect(landed.code).toBeNull();
    expect(landed.error).toBe('ACCOUNT_EXISTS_LINK_REQUIRED');
    expect(await auditActions(h, owner.id)).toEqual(['federation.sign_in_refused']);
  });

  // Account pre-hijacking: someone signs up through a provider with an address it did not verify, the address's owner
  // later takes the account back by mail. The way in that never proved the mailbox must not outlive that proof.
  it("drops, at a password reset, the identity that brought the account's address unverified: it no longer signs in", async () => {
    const address = `prehijacked${++counter}@example.com`;
    const squatter = nextPerson({ email: address, email_verified: false });
    const first = await signInWith(browser, 'oidc');
    const account = (await redeem(h, first.code, first.verifier)).json().user;
    expect(account.emailVerified).toBe(false);

    const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, payload });
    expect((await post('/auth/forgot-password', { email: address })).statusCode).toBe(202);
    const token = tokenOf((await smtp.waitFor(address, /Reset your password/)).link);
    expect((await post('/auth/reset-password', { token, password: 'the owner takes it back' })).statusCode).toBe(204);
    const owner = await login(h, address, 'the owner takes it back');

    op.signInAs = squatter;
    const again = await signInWith(createBrowser(h), 'oidc');
    const squatted = again.code ? (await redeem(h, again.code, again.verifier)).json().user?.id : undefined;
    expect(squatted).not.toBe(account.id);
    expect((await h.app.inject({ url: '/auth/identities', headers: owner.headers })).json().data).toEqual([]);
    expect(await auditActions(h, account.id)).toContain('identity.unlinked');
  });

  // The same pre-hijacking, taken back through an invitation: the owner accepts it and sets the password of the
  // account the squatter's provider made. That first proof of the mailbox claims the account as a reset does.
  it('drops, when an invitation is accepted, every way in the squatter added to the account it made unverified', async () => {
    const address = `invited-prehijacked${++counter}@example.com`;
    const squatter = nextPerson({ email: address, email_verified: false });
    const first = await signInWith(browser, 'oidc');
    const squatted = (await redeem(h, first.code, first.verifier)).json();
    expect(squatted.user.emailVerified).toBe(false);
    // No second factor goes on an account whose address is unproven; the identity that made it is what the claim takes.
    const squatterHeaders = { authorization: `Bearer ${squatted.accessToken}` };
    const started = await h.app.inject({ method: 'POST', url: '/auth/mfa/totp', headers: squatterHeaders, payload: {} });
    expect([started.statusCode, started.json().code]).toEqual([403, 'EMAIL_NOT_VERIFIED']);

    const admin = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, admin, `Claimed ${counter}`);
    const invited = await h.app.inject({
      method: 'POST',
      url: `/organizations/${organizationId}/invitations`,
      headers: admin.headers,
      payload: { email: address },
    });
    expect(invited.statusCode).toBe(201);
    const token = tokenOf((await smtp.waitFor(address, /invited you/)).link);
    const accepted = await h.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      payload: { token, password: 'the invited owner’s passphrase', firstName: 'Ada', lastName: 'Owner' },
    });
    expect(accepted.statusCode).toBe(200);
    // The owner gets in on the same account, behind no authenticator of the squatter's.
    expect(accepted.json()).toMatchObject({ tokenType: 'Bearer', user: { id: squatted.user.id, emailVerified: true } });

    // The squatter's session is over, and their provider no longer signs in to the account.
    const refreshed = await h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: squatted.refreshToken } });
    expect(refreshed.statusCode).toBe(401);
    op.signInAs = squatter;
    const again = await signInWith(createBrowser(h), 'oidc');
    const landedIn = again.code ? (await redeem(h, again.code, again.verifier)).json().user?.id : undefined;
    expect(landedIn).not.toBe(squatted.user.id);
    const owner = { authorization: `Bearer ${accepted.json().accessToken}` };
    expect((await h.app.inject({ url: '/auth/identities', headers: owner })).json().data).toEqual([]);
    expect(await auditActions(h, squatted.user.id)).toEqual(expect.arrayContaining(['auth.account_claimed', 'identity.unlinked']));
  });

  it('answers a missing, forged or replayed state with 400 and redirects nowhere', async () => {
    const missing = await h.app.inject({ url: `${callbackPath}?code=abc` });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('OAUTH_STATE_INVALID');
    const forged = await h.app.inject({ url: `${callbackPath}?code=abc&state=forged` });
    expect([forged.statusCode, forged.json().code, forged.headers.location]).toEqual([400, 'OAUTH_STATE_INVALID', undefined]);

    nextPerson();
    let callback: URL | undefined;
    browser.rewrite = async (url) => {
      if (url.pathname === callbackPath) callback = url;
      return url;
    };
    const landed = await signInWith(browser, 'oidc');
    expect(landed.code).toBeTruthy();
    const replay = await h.app.inject({ url: `${callback?.pathname}${callback?.search}` });
    expect([replay.statusCode, replay.json().code, replay.headers.location]).toEqual([400, 'OAUTH_STATE_INVALID', undefined]);
  });

  // Back from the provider too late, through the back button or with another browser's link: a person, not an app,
  // is reading the answer, so a page in their language says to start again (an app still gets problem+json).
  it("shows a browser whose return matches no sign-in a page in the person's language, and nothing of the provider's error", async () => {
    const stale = `${callbackPath}?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=expired`;
    const spent = async () => Number((await h.context.state.get('auth-ip:127.0.0.1')) ?? 0);
    const before = await spent();
    const res = await h.app.inject({ url: stale, headers: { accept: 'text/html,application/xhtml+xml', 'accept-language': 'de' } });
    expect([res.statusCode, res.headers.location]).toEqual([303, 'https://tessera.test/sign-in/social/expired']);
    // A refusal, though a redirect: its count in the IP's credential budget stays (a sign-in's is given back).
    expect(await spent()).toBe(before + 1);
    const page = await h.app.inject({ url: '/sign-in/social/expired', headers: { accept: 'text/html', 'accept-language': 'de' } });
    expect([page.statusCode, page.headers['content-type']]).toEqual([400, 'text/html; charset=utf-8']);
    expect(page.body).toContain('Diese Anmeldung hat zu lange gedauert');
    expect(page.body).not.toContain('<script>alert');
    const api = await h.app.inject({ url: stale });
    expect([api.statusCode, api.json().code, api.headers.location]).toEqual([400, 'OAUTH_STATE_INVALID', undefined]);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    nextPerson();
    browser.rewrite = async (url) => {
      if (url.searchParams.has('nonce')) url.searchParams.set('nonce', 'someone-elses-nonce');
      return url;
    };
    expect((await signInWith(browser, 'oidc')).error).toBe('IDENTITY_PROVIDER_RESPONSE_INVALID');
  });

  it('refuses an ID token of another issuer or for another audience', async () => {
    for (const tamper of [{ iss: 'https://evil.example' }, { aud: 'another-client' }]) {
      nextPerson();
      op.tamperIdToken = (claims) => ({ ...claims, ...tamper });
      expect((await signInWith(createBrowser(h), 'oidc')).error).toBe('IDENTITY_PROVIDER_RESPONSE_INVALID');
    }
  });

  it("refuses a provider's code that expired before the callback", async () => {
    nextPerson();
    op.codeTtl = 1;
    browser.rewrite = async (url) => {
      if (url.pathname === callbackPath) await new Promise((resolve) => setTimeout(resolve, 2100));
      return url;
    };
    expect((await signInWith(browser, 'oidc')).error).toBe('IDENTITY_PROVIDER_RESPONSE_INVALID');
  });

  it('refuses an expired code, a wrong verifier (the code is spent), and a replayed code ends the session it began', async () => {
    nextPerson();
    const expired = await signInWith(browser, 'oidc');
    await h.context.database.primary.update(oauthCodes).set({ expiresAt: new Date(Date.now() - 1000) });
    expect((await redeem(h, expired.code, expired.verifier)).json().code).toBe('OAUTH_CODE_INVALID');

    const wrong = await signInWith(createBrowser(h), 'oidc');
    expect((await redeem(h, wrong.code, pkcePair().verifier)).json().code).toBe('OAUTH_CODE_INVALID');
    expect((await redeem(h, wrong.code, wrong.verifier)).statusCode).toBe(400);

    const landed = await signInWith(createBrowser(h), 'oidc');
    const first = (await redeem(h, landed.code, landed.verifier)).json();
    const headers = { authorization: `Bearer ${first.accessToken}` };
    expect((await h.app.inject({ url: '/auth/me', headers })).statusCode).toBe(200);
    const replay = await redeem(h, landed.code, landed.verifier);
    expect([replay.statusCode, replay.json().code]).toEqual([400, 'OAUTH_CODE_INVALID']);
    expect((await h.app.inject({ url: '/auth/me', headers })).statusCode).toBe(401);
    const refresh = await h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: first.refreshToken } });
    expect(refresh.statusCode).toBe(401);
    expect(await auditActions(h, first.user.id)).toContain('federation.code_replayed');
  });

  // Only a code an earlier request spent is a replay: a fresh one with the wrong verifier (an intercepted code tried
  // without it, or an app's mistake) began nothing, so it ends nothing, and is audited as what it is.
  it("audits a wrong verifier on a fresh code as rejected, not replayed, and ends none of the person's sessions", async () => {
    nextPerson();
    const first = await signInWith(browser, 'oidc');
    const session = (await redeem(h, first.code, first.verifier)).json();
    const headers = { authorization: `Bearer ${session.accessToken}` };

    const fresh = await signInWith(createBrowser(h), 'oidc');
    const wrong = await redeem(h, fresh.code, pkcePair().verifier);
    expect([wrong.statusCode, wrong.json().code]).toEqual([400, 'OAUTH_CODE_INVALID']);
    expect((await h.app.inject({ url: '/auth/me', headers })).statusCode).toBe(200);
    const [rejected] = await h.context.database.primary
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.entityId, session.user.id), eq(auditLogs.action, 'federation.code_rejected')));
    expect(rejected?.payload).toEqual({ provider: 'oidc', purpose: 'sign_in', reason: 'verifier_mismatch' });
    expect(await auditActions(h, session.user.id)).not.toContain('federation.code_replayed');

    // The same code again, now spent by that earlier request, is a replay.
    expect((await redeem(h, fresh.code, fresh.verifier)).json().code).toBe('OAUTH_CODE_INVALID');
    expect((await auditActions(h, session.user.id)).filter((action) => action.startsWith('federation.code_'))).toEqual([
      'federation.code_rejected',
      'federation.code_replayed',
    ]);
    expect((await h.app.inject({ url: '/auth/me', headers })).statusCode).toBe(200);
  });

  it('answers a redirect_uri off the allowlist with 400 and no redirect at all', async () => {
    const res = await h.app.inject({ url: authorizePath('oidc', pkcePair().challenge).replace('app.example', 'evil.example') });
    expect([res.statusCode, res.json().code, res.headers.location]).toEqual([400, 'REDIRECT_URI_NOT_ALLOWED', undefined]);
    const unknown = await h.app.inject({ url: authorizePath('nope', pkcePair().challenge) });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'IDENTITY_PROVIDER_NOT_FOUND']);
  });

  it('refuses a suspended user exactly as password login does', async () => {
    nextPerson();
    const landed = await signInWith(browser, 'oidc');
    const { user } = (await redeem(h, landed.code, landed.verifier)).json();
    await h.context.database.primary.update(users).set({ status: 'SUSPENDED' }).where(eq(users.id, user.id));
    const again = await signInWith(createBrowser(h), 'oidc');
    expect(again.error).toBe('INVALID_CREDENTIALS');
  });

  it('asks an account with a temporary password to replace it first, as a password sign-in does', async () => {
    const owner = await createUser(h, { email: `temporary${++counter}@example.com` });
    nextPerson({ email: owner.email, email_verified: true });
    const linked = await signInWith(browser, 'oidc');
    expect((await redeem(h, linked.code, linked.verifier)).json().user.id).toBe(owner.id);
    // An administrator hands over a temporary password (PUT /users/:id/password { temporary: true } sets this).
    await h.context.database.primary.update(users).set({ passwordChangeRequired: true }).where(eq(users.id, owner.id));
    const again = await signInWith(createBrowser(h), 'oidc');
    const answer = (await redeem(h, again.code, again.verifier)).json();
    expect(answer).toEqual({ passwordChangeRequired: true, changeToken: expect.any(String) });
    const changed = await h.app.inject({
      method: 'POST',
      url: '/auth/change-password',
      payload: { changeToken: answer.changeToken, newPassword: 'a passphrase of their own' },
    });
    // The sign-in finishes as the provider proved it.
    expect(decodeJwt(changed.json().accessToken)).toMatchObject({ sub: owner.id, amr: ['fed'] });
  });

  it('keeps the last way in: an account without password cannot unlink its only identity', async () => {
    nextPerson();
    const landed = await signInWith(browser, 'oidc');
    const session = (await redeem(h, landed.code, landed.verifier)).json();
    const headers = { authorization: `Bearer ${session.accessToken}` };
    const [identity] = (await h.app.inject({ url: '/auth/identities', headers })).json().data;
    const res = await h.app.inject({ method: 'DELETE', url: `/auth/identities/${identity.id}`, headers });
    expect([res.statusCode, res.json().code]).toEqual([409, 'LAST_SIGN_IN_METHOD']);
  });

  it('links a provider to a signed-in account (finished with the code and verifier), which may then unlink it; admins see and unlink identities', async () => {
    const me = await loginAs(h, { email: `linker${++counter}@example.com` });
    nextPerson({ email: `elsewhere${counter}@example.com` });
    const landed = await signInWith(browser, 'oidc', { link: 'true' }, me.headers);
    expect(landed.error).toBeNull();
    const linked = await exchangeLink(me.headers, landed);
    expect(linked.statusCode, linked.body).toBe(201);
    expect(await auditActions(h, me.userId)).toContain('identity.linked');
    expect((await redeem(h, landed.code, landed.verifier)).statusCode).toBe(400);

    const admin = await loginAs(h, { roles: ['admin'] });
    const detail = await h.app.inject({ url: `/users/${me.userId}?include=identities`, headers: admin.headers });
    expect(detail.json().identities).toEqual([expect.objectContaining({ id: linked.json().identity.id, provider: 'oidc' })]);
    const unlinked = await h.app.inject({
      method: 'DELETE',
      url: `/users/${me.userId}/identities/${linked.json().identity.id}`,
      headers: admin.headers,
    });
    expect(unlinked.statusCode).toBe(204);
    expect((await h.app.inject({ url: '/auth/identities', headers: me.headers })).json().data).toEqual([]);

    const anonymous = await h.app.inject({ url: authorizePath('oidc', pkcePair().challenge, { link: 'true' }) });
    expect(anonymous.statusCode).toBe(401);
    await login(h, me.user.email, me.user.password);
  });

  // An identity is a way in a password reset leaves: whoever holds an account before its mailbox is proven links none.
  it('links no provider to an account whose address is unproven, neither at the start nor at the finish: EMAIL_NOT_VERIFIED', async () => {
    const me = await loginAs(h, { email: `unproven-linker${++counter}@example.com` });
    const unprove = () => h.context.database.primary.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, me.userId));
    // Started while the address was proven (an administrator then changed it, say), finished after.
    nextPerson({ email: `unproven-elsewhere${counter}@example.com` });
    const landed = await signInWith(browser, 'oidc', { link: 'true' }, me.headers);
    expect(landed.error).toBeNull();
    await unprove();
    const finished = await exchangeLink(me.headers, landed);
    expect([finished.statusCode, finished.json().code]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    expect(finished.headers['content-type']).toContain('application/problem+json');
    const started = await h.app.inject({
      url: authorizePath('oidc', pkcePair().challenge, { link: 'true' }),
      headers: { ...me.headers, accept: 'application/json' },
    });
    expect([started.statusCode, started.json().code]).toEqual([403, 'EMAIL_NOT_VERIFIED']);
    expect((await h.app.inject({ url: '/auth/identities', headers: me.headers })).json().data).toEqual([]);
  });

  // Neither support acting as the person nor a leaked API key may leave with a way into the account, nor take one away.
  it('links and unlinks no identity while impersonating or with an API key', async () => {
    const person = await loginAs(h, { email: `impersonated${++counter}@example.com` });
    nextPerson({ email: `own${counter}@example.com` });
    const own = await signInWith(browser, 'oidc', { link: 'true' }, person.headers);
    const identity = (await exchangeLink(person.headers, own)).json().identity;
    const support = await loginAs(h, { permissions: ['users:read', 'users:impersonate'] });
    const started = await h.app.inject({
      method: 'POST',
      url: `/users/${person.userId}/impersonate`,
      headers: support.headers,
      payload: { reason: 'Ticket 4713: sign-in trouble' },
    });
    const key = await h.app.inject({ method: 'POST', url: '/auth/api-keys', headers: person.headers, payload: { name: 'ci', scopes: [] } });
    const doors: { headers: Record<string, string>; code: string }[] = [
      { headers: { authorization: `Bearer ${started.json().accessToken}` }, code: 'IMPERSONATION_NOT_ALLOWED' },
      { headers: { 'x-api-key': key.json().key as string }, code: 'API_KEY_NOT_ALLOWED' },
    ];

    for (const door of doors) {
      nextPerson({ email: `someone-else${++counter}@example.com` });
      const theirs = await signInWith(createBrowser(h), 'oidc', { link: 'true' }, door.headers);
      const linked = await exchangeLink(door.headers, theirs);
      expect([linked.statusCode, linked.json().code]).toEqual([403, door.code]);
      const unlinked = await h.app.inject({ method: 'DELETE', url: `/auth/identities/${identity.id}`, headers: door.headers });
      expect([unlinked.statusCode, unlinked.json().code]).toEqual([403, door.code]);
    }
    const kept = (await h.app.inject({ url: '/auth/identities', headers: person.headers })).json().data;
    expect(kept.map((entry: { id: string }) => entry.id)).toEqual([identity.id]);
  });

  it('finishes on another node than it started (the flow is shared through the database)', async () => {
    const peer = await createPeer(h);
    try {
      nextPerson();
      browser.rewrite = async (url) => {
        if (url.pathname === callbackPath) browser.tessera = peer;
        return url;
      };
      const landed = await signInWith(browser, 'oidc');
      expect(landed.error).toBeNull();
      expect((await redeem(h, landed.code, landed.verifier)).statusCode).toBe(200);
    } finally {
      await peer.close();
    }
  });
});
