import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser } from './helpers/auth.js';
import { driver, rollBackThrough } from './helpers/databases.js';
import { APP_CALLBACK, applicationAdmin, authorizationRequest, registerApplication, relyingParty } from './helpers/oidc.js';
import { freePort } from './helpers/ports.js';

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** Enough of a browser for the provider's redirects: a cookie jar, redirects and the continue page's refresh followed by hand. */
function browserFor(issuer: string) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const [name, value] = [pair.slice(0, index).trim(), pair.slice(index + 1).trim()];
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  };
  return {
    jar,
    keep,
    async signIn(user: { email: string; password: string }) {
      const res = await fetch(`${issuer}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', cookie: cookie() },
        body: new URLSearchParams({ csrf: 'anonymous', identifier: user.email, password: user.password }),
      });
      expect(res.status).toBe(303);
      keep(res);
    },
    /** Follows an authorization request to the application's callback; answers it and the interaction's id on the way. */
    async authorize(config: client.Configuration, extra: Record<string, string> = {}) {
      const request = await authorizationRequest(config, { scope: 'openid email offline_access', ...extra });
      return { ...(await this.follow(request.url)), verifier: request.verifier };
    },
    /** Follows the provider's redirects from `start` to the application's callback. */
    async follow(start: URL) {
      let url = start;
      let interaction: string | undefined;
      for (let hop = 0; hop < 12; hop++) {
        if (url.href.startsWith(APP_CALLBACK)) return { callback: url, interaction };
        interaction ??= /^\/oidc\/interaction\/([\w-]+)$/.exec(url.pathname)?.[1];
        const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } });
        keep(res);
        const body = await res.text();
        const next =
          res.headers.get('location') ?? /http-equiv="refresh" content="0;url=([^"]+)"/.exec(body)?.[1]?.replaceAll('&amp;', '&');
        if (!next) throw new Error(`the request stopped at ${url.pathname} with ${res.status}`);
        url = new URL(next, issuer);
      }
      throw new Error('too many redirects');
    },
  };
}

// The provider's artifacts as the database holds them: a refresh token's, a code's and an opaque access token's id is
// the token itself, a session's and an interaction's is its cookie, so each is kept as its SHA-256; and a code or a
// refresh token presented twice at once is redeemed once.
describe(`OpenID provider artifacts at rest (${driver})`, () => {
  let h: Harness;
  let issuer: string;
  let config: client.Configuration;
  let credentials: string;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    h = await createHarness({ config: { PUBLIC_URL: issuer, AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    await h.app.listen({ port, host: '127.0.0.1' });
    const admin = await applicationAdmin(h);
    const app = await registerApplication(h, admin, {
      name: 'Team wiki',
      kind: 'web',
      redirectUris: [APP_CALLBACK],
      scopes: ['openid', 'offline_access', 'email'],
      firstParty: true,
    });
    config = await relyingParty(issuer, app.application.clientId, app.clientSecret);
    credentials = `Basic ${Buffer.from(`${app.application.clientId}:${app.clientSecret}`).toString('base64')}`;
  }, 120_000);
  afterAll(async () => h?.close());

  /**
   * A person who signs in to Tessera in a browser an application sent to the sign-in page, and the application's code
   * for them: the provider keeps an interaction (and its id) while they sign in.
   */
  async function signedInFlow() {
    const browser = browserFor(issuer);
    const request = await authorizationRequest(config, { scope: 'openid email offline_access' });
    const started = await fetch(request.url, { redirect: 'manual' });
    browser.keep(started);
    const resume = new URL(started.headers.get('location') as string, issuer);
    await browser.signIn(await createUser(h));
    return { browser, ...(await browser.follow(resume)), verifier: request.verifier };
  }

  const tokenRequest = (body: Record<string, string>) =>
    fetch(`${issuer}/oidc/token`, {
      method: 'POST',
      headers: { authorization: credentials, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
  const redeemCode = (flow: { callback: URL; verifier: string }) =>
    tokenRequest({
      grant_type: 'authorization_code',
      code: flow.callback.searchParams.get('code') as string,
      redirect_uri: APP_CALLBACK,
      code_verifier: flow.verifier,
    });
  const refresh = (refreshToken: string) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const artifacts = () =>
    queryRows<{ model: string; id: string; payload: string }>(
      h.context.database.primary,
      sql`SELECT model, id, payload::text AS payload FROM oidc_artifacts`,
    );

  it('holds no code, token, session or interaction id, only their digests, and each still works', async () => {
    const flow = await signedInFlow();
    const code = flow.callback.searchParams.get('code') as string;
    const redeemed = await redeemCode(flow);
    expect(redeemed.status).toBe(200);
    const tokens = (await redeemed.json()) as { access_token: string; refresh_token: string };
    const session = flow.browser.jar.get('_session') as string;
    const secrets = { code, refreshToken: tokens.refresh_token, accessToken: tokens.access_token, session, interaction: flow.interaction };
    expect(Object.values(secrets).every((value) => typeof value === 'string' && value.length >= 20)).toBe(true);

    const rows = await artifacts();
    for (const value of Object.values(secrets) as string[]) {
      expect(rows.filter((row) => row.id === value || row.payload.includes(value))).toEqual([]);
    }
    const keys = new Set(rows.map((row) => `${row.model} ${row.id}`));
    expect(keys).toContain(`AuthorizationCode ${digest(code)}`);
    expect(keys).toContain(`RefreshToken ${digest(tokens.refresh_token)}`);
    expect(keys).toContain(`AccessToken ${digest(tokens.access_token)}`);
    expect(keys).toContain(`Session ${digest(session)}`);

    // Found by the value presented: userinfo, the refresh grant, another request on the provider's session, revocation.
    const userinfo = await fetch(`${issuer}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    const rotated = await refresh(tokens.refresh_token);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { refresh_token: string };
    expect((await flow.browser.authorize(config, { prompt: 'none' })).callback.searchParams.get('code')).toBeTruthy();
    await client.tokenRevocation(config, next.refresh_token);
    expect((await refresh(next.refresh_token)).status).toBe(400);
  });

  it("holds neither a pushed request's id nor an interaction's, in an interaction under way, and the pushed request is used once", async () => {
    const browser = browserFor(issuer);
    const verifier = client.randomPKCECodeVerifier();
    const pushed = await fetch(`${issuer}/oidc/request`, {
      method: 'POST',
      headers: { authorization: credentials, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: config.clientMetadata().client_id,
        response_type: 'code',
        redirect_uri: APP_CALLBACK,
        scope: 'openid email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'pushed-state',
      }),
    });
    expect(pushed.status).toBe(201);
    const { request_uri: requestUri } = (await pushed.json()) as { request_uri: string };
    const parId = requestUri.split(':').at(-1) as string;
    const authorize = new URL(`${issuer}/oidc/auth`);
    authorize.search = new URLSearchParams({ client_id: config.clientMetadata().client_id, request_uri: requestUri }).toString();

    // Not signed in yet: the provider keeps an interaction, holding the pushed request it resumes, until the person is.
    const started = await fetch(authorize, { redirect: 'manual', headers: { cookie: '' } });
    const interaction = /\/oidc\/interaction\/([\w-]+)$/.exec(started.headers.get('location') ?? '')?.[1] as string;
    expect(interaction).toBeTruthy();
    for (const line of started.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      browser.jar.set(pair.slice(0, index), pair.slice(index + 1));
    }
    const rows = await artifacts();
    expect(rows.map((row) => row.model)).toEqual(expect.arrayContaining(['Interaction', 'PushedAuthorizationRequest']));
    for (const value of [parId, interaction]) {
      expect(rows.filter((row) => row.id === value || row.payload.includes(value))).toEqual([]);
    }

    await browser.signIn(await createUser(h));
    const { callback } = await browser.follow(new URL(`/oidc/interaction/${interaction}`, issuer));
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe('pushed-state');
    // The pushed request was consumed when the interaction resumed: presented again, it is refused.
    const again = await fetch(authorize, { redirect: 'manual' });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('invalid_request_uri');
  });

  it('drops with migration 0028 an interaction stored before it with its return address in the clear', async () => {
    const db = h.context.database.primary;
    await rollBackThrough(h.context.database, '0028_oidc_interaction_sealed');
    const uid = 'interaction-stored-in-the-clear';
    await db.execute(sql`INSERT INTO oidc_artifacts (model, id, payload, expires_at)
      VALUES ('Interaction', ${digest(uid)}, ${JSON.stringify({ returnTo: `${issuer}/oidc/auth/${uid}`, parJti: 'a-pushed-request' })}::jsonb,
        now() + interval '1 hour')`);
    expect((await migrateUp(h.context.database))[0]).toBe('0028_oidc_interaction_sealed');
    expect((await artifacts()).filter((row) => row.payload.includes(uid))).toEqual([]);
  });

  /**
   * One grant source sent four times at once: one request gets tokens, the others invalid_grant, and what the winner got
   * is revoked with its grant, as the library revokes it for a source used again (whichever request was the client's).
   */
  async function redeemedOnceOfFour(send: () => Promise<Response>) {
    const answers = await Promise.all(Array.from({ length: 4 }, send));
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as { refresh_token?: string; error?: string }[];
    const results = answers.map((answer, index) => [answer.status, bodies[index]?.error ?? 'tokens']);
    expect(results.sort(([a], [b]) => Number(a) - Number(b))).toEqual([
      [200, 'tokens'],
      [400, 'invalid_grant'],
      [400, 'invalid_grant'],
      [400, 'invalid_grant'],
    ]);
    const won = bodies.find((body) => body.refresh_token)?.refresh_token as string;
    expect((await refresh(won)).status).toBe(400);
  }

  it('redeems a code presented four times at once for one request only, and revokes what it gave (RFC 6749 10.5)', async () => {
    const flow = await signedInFlow();
    await redeemedOnceOfFour(() => redeemCode(flow));
  });

  it('rotates a refresh token presented four times at once for one request only, and revokes its grant as for a reuse', async () => {
    const tokens = (await (await redeemCode(await signedInFlow())).json()) as { refresh_token: string };
    await redeemedOnceOfFour(() => refresh(tokens.refresh_token));
  });

  it('finds after migration 0026 a refresh token and a provider session stored before it under their value', async () => {
    const flow = await signedInFlow();
    const tokens = (await (await redeemCode(flow)).json()) as { refresh_token: string };
    const values: Record<string, string> = { RefreshToken: tokens.refresh_token, Session: flow.browser.jar.get('_session') as string };
    const db = h.context.database.primary;
    const stored = await queryRows<{
      model: string;
      payload: string;
      account_id: string | null;
      grant_id: string | null;
      uid: string | null;
      expires_at: string;
    }>(
      db,
      sql`SELECT model, payload::text AS payload, account_id, grant_id, uid, expires_at::text AS expires_at FROM oidc_artifacts
        WHERE (model = 'RefreshToken' AND id = ${digest(values.RefreshToken as string)}) OR (model = 'Session' AND id = ${digest(values.Session as string)})`,
    );
    expect(stored.map((row) => row.model).sort()).toEqual(['RefreshToken', 'Session']);

    // The previous version's rows: the value itself as the id, and again in the payload.
    await rollBackThrough(h.context.database, '0026_oidc_artifact_digests');
    for (const row of stored) {
      const value = values[row.model] as string;
      await db.execute(sql`INSERT INTO oidc_artifacts (model, id, payload, account_id, grant_id, uid, expires_at)
        VALUES (${row.model}, ${value}, ${row.payload}::jsonb || jsonb_build_object('jti', ${value}::text), ${row.account_id}, ${row.grant_id},
          ${row.uid}, ${row.expires_at}::timestamptz)`);
    }
    expect(await migrateUp(h.context.database)).toContain('0026_oidc_artifact_digests');

    expect((await refresh(tokens.refresh_token)).status).toBe(200);
    expect((await flow.browser.authorize(config, { prompt: 'none' })).callback.searchParams.get('code')).toBeTruthy();
  });
});
