import { sql } from 'drizzle-orm';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { driver } from './helpers/databases.js';
import { auditActions } from './helpers/federation.js';
import { APP_CALLBACK, applicationAdmin, registerApplication, relyingParty } from './helpers/oidc.js';
import { freePort } from './helpers/ports.js';

// Tessera as an OpenID Provider, everything a browser session is not needed for: discovery, keys,
// applications, client_credentials as a Bearer of Tessera's API, prompt=none, the storage adapter.
describe(`OpenID provider (${driver})`, () => {
  let h: Harness;
  let issuer: string;
  let admin: Awaited<ReturnType<typeof applicationAdmin>>;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    h = await createHarness({ config: { PUBLIC_URL: issuer } });
    await h.app.listen({ port, host: '127.0.0.1' });
    admin = await applicationAdmin(h);
  }, 120_000);
  afterAll(async () => h?.close());

  it('publishes discovery at the root with endpoints under /oidc, and RS256, ES256 and EdDSA keys from the key store', async () => {
    const web = await registerApplication(h, admin, { name: 'Wiki', kind: 'web', redirectUris: [APP_CALLBACK] });
    const config = await relyingParty(issuer, web.application.clientId, web.clientSecret);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(issuer);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint'] as const)
      expect(metadata[endpoint]).toMatch(new RegExp(`^${issuer}/oidc/`));
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.claims_parameter_supported).toBe(true);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile', 'roles', 'organization']));

    const jwks = (await (await fetch(metadata.jwks_uri as string)).json()) as { keys: { kid: string; alg: string; d?: string }[] };
    expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
    const stored = await queryRows<{ id: string }>(h.context.database.primary, sql`SELECT id FROM signing_keys WHERE status = 'ACTIVE'`);
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual(stored.map((row) => row.id).sort());
  });

  it("answers a path the provider has no route for with Tessera's 404, a method it does not take 405, its endpoints with OAuth errors", async () => {
    const answer = async (method: string, path: string) => {
      const response = await fetch(`${issuer}${path}`, { method });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
    };
    const elsewhere = await answer('GET', '/nowhere');
    expect(elsewhere.status).toBe(404);
    const unknown = [
      ['GET', '/oidc/nope'],
      ['GET', '/oidc/'],
      ['GET', '/.well-known/openid-configurationXYZ'],
    ];
    for (const [method, path] of unknown) {
      const refused = await answer(method as string, path as string);
      expect([refused.status, refused.type], `${method} ${path}`).toEqual([404, 'application/problem+json; charset=utf-8']);
      expect(JSON.parse(refused.body)).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
      expect(JSON.parse(refused.body)).toEqual(JSON.parse(elsewhere.body));
    }
    const wrongMethods = [
      ['POST', '/.well-known/openid-configuration', 'GET, HEAD, OPTIONS'],
      ['DELETE', '/oidc/token', 'OPTIONS, POST'],
      ['PUT', '/oidc/jwks', 'GET, HEAD, OPTIONS'],
    ];
    for (const [method, path, allow] of wrongMethods) {
      const response = await fetch(`${issuer}${path}`, { method });
      expect([response.status, response.headers.get('allow')], `${method} ${path}`).toEqual([405, allow]);
      expect(await response.json()).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    }
    const token = await answer('POST', '/oidc/token');
    expect(token.status).toBe(400);
    expect(JSON.parse(token.body)).toMatchObject({ error: 'invalid_request' });
    expect((await answer('GET', '/.well-known/openid-configuration/')).status).toBe(200);
  });

  it('registers applications: the secret shown once and stored as a hash, none for a SPA, kinds and scopes checked, audited', async () => {
    const created = await registerApplication(h, admin, {
      name: 'Support desk',
      kind: 'web',
      redirectUris: [APP_CALLBACK],
      firstParty: true,
    });
    expect(created.clientSecret).toMatch(/^tcs_/);
    const id = created.application.id;
    const shown = await h.app.inject({ method: 'GET', url: `/applications/${id}`, headers: admin.headers });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain(created.clientSecret);
    const [row] = await queryRows<{ secret_hash: string }>(
      h.context.database.primary,
      sql`SELECT secret_hash FROM applications WHERE id = ${id}`,
    );
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(created.clientSecret);

    const spa = await registerApplication(h, admin, { name: 'Dashboard', kind: 'spa', redirectUris: ['https://dash.example/cb'] });
    expect(spa.clientSecret).toBeNull();
    const post = (payload: object, headers = admin.headers) => h.app.inject({ method: 'POST', url: '/applications', headers, payload });
    expect((await post({ name: 'x', kind: 'spa', redirectUris: ['http://evil.example/cb'] })).json().code).toBe('INVALID_REDIRECT_URI');
    expect((await post({ name: 'x', kind: 'web', redirectUris: [] })).json().code).toBe('INVALID_REDIRECT_URI');
    expect((await post({ name: 'x', kind: 'web', redirectUris: [APP_CALLBACK], scopes: ['openid', 'users:read'] })).json().code).toBe(
      'UNKNOWN_SCOPE',
    );
    expect((await post({ name: 'x', kind: 'service', scopes: ['users:delete'] })).json().code).toBe('APPLICATION_SCOPE_NOT_HELD');
    const nobody = await loginAs(h);
    expect((await post({ name: 'x', kind: 'spa', redirectUris: ['https://dash.example/cb'] }, nobody.headers)).statusCode).toBe(403);

    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/applications/${id}`,
      headers: admin.headers,
      payload: { name: 'Helpdesk' },
    });
    expect(patched.json().name).toBe('Helpdesk');
    expect(
      (await h.app.inject({ method: 'POST', url: `/applications/${spa.application.id}/secret`, headers: admin.headers })).json().code,
    ).toBe('APPLICATION_HAS_NO_SECRET');
    expect((await h.app.inject({ method: 'DELETE', url: `/applications/${id}`, headers: admin.headers })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/applications/${id}`, headers: admin.headers })).statusCode).toBe(404);
    expect(await auditActions(h, id)).toEqual(['application.created', 'application.updated', 'application.deleted']);
  });

  it("issues client_credentials tokens (RFC 9068 JWTs) that Tessera's API accepts as the application, with only its scopes", async () => {
    const service = await registerApplication(h, admin, { name: 'Reporting job', kind: 'service', scopes: ['users:read'] });
    const config = await relyingParty(issuer, service.application.clientId, service.clientSecret);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'users:read' });
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer, audience: issuer, typ: 'at+jwt' });
    expect(payload).toMatchObject({ client_id: service.application.clientId, sub: service.application.clientId, scope: 'users:read' });

    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: bearer })).statusCode).toBe(200);
    // Its maker may manage applications; the token may not: only its scopes count.
    expect((await h.app.inject({ method: 'GET', url: '/applications', headers: bearer })).statusCode).toBe(403);
    // A scope the application was not given is refused by the provider.
    await expect(client.clientCredentialsGrant(config, { scope: 'users:write' })).rejects.toMatchObject({ error: 'invalid_scope' });

    // A deleted application's tokens stop working at once.
    await h.app.inject({ method: 'DELETE', url: `/applications/${service.application.id}`, headers: admin.headers });
    const refused = await h.app.inject({ method: 'GET', url: '/users', headers: bearer });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('INVALID_TOKEN');
  });

  it("lets the token endpoint be read cross-origin only from an application's web origins, never from an opaque one (Origin: null)", async () => {
    const native = await registerApplication(h, admin, {
      name: 'Phone app',
      kind: 'native',
      redirectUris: ['com.example.app:/callback', 'http://127.0.0.1/callback'],
    });
    const tokenRequest = (origin: string) =>
      fetch(`${issuer}/oidc/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: native.application.clientId,
          code: 'not-a-code',
          redirect_uri: 'com.example.app:/callback',
          code_verifier: 'v'.repeat(43),
        }),
      });
    // A sandboxed frame, a data: or file: page: anyone's page can send Origin: null.
    const opaque = await tokenRequest('null');
    expect(opaque.status).toBe(400);
    expect(opaque.headers.get('access-control-allow-origin')).toBeNull();
    const own = await tokenRequest('http://127.0.0.1');
    expect(own.status).toBe(400);
    expect(own.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1');
  });

  it('rotates a secret: both work during the grace period, only the new one after it', async () => {
    const service = await registerApplication(h, admin, { name: 'Sync', kind: 'service', scopes: ['users:read'] });
    const id = service.application.id;
    const rotated = await h.app.inject({ method: 'POST', url: `/applications/${id}/secret`, headers: admin.headers });
    expect(rotated.statusCode).toBe(200);
    const { clientSecret, previousSecretValidUntil } = rotated.json();
    expect(new Date(previousSecretValidUntil).getTime()).toBeGreaterThan(Date.now());
    const grant = async (secret: string) =>
      client.clientCredentialsGrant(await relyingParty(issuer, service.application.clientId, secret), { scope: 'users:read' });
    await expect(grant(service.clientSecret as string)).resolves.toHaveProperty('access_token');
    await expect(grant(clientSecret)).resolves.toHaveProperty('access_token');
    await h.context.database.primary.execute(
      sql`UPDATE applications SET previous_secret_expires_at = now() - interval '1 second' WHERE id = ${id}`,
    );
    await expect(grant(service.clientSecret as string)).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: 'invalid_client' }) })],
    });
    await expect(grant(clientSecret)).resolves.toHaveProperty('access_token');
    expect(await auditActions(h, id)).toContain('application.secret_rotated');
  });

  it('answers prompt=none without a session with login_required, and refuses redirect URIs missing or not registered exactly', async () => {
    const web = await registerApplication(h, admin, { name: 'Portal', kind: 'web', redirectUris: [APP_CALLBACK] });
    const config = await relyingParty(issuer, web.application.clientId, web.clientSecret);
    const base = {
      redirect_uri: APP_CALLBACK,
      scope: 'openid',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
      state: 's1',
    };
    const none = await fetch(client.buildAuthorizationUrl(config, { ...base, prompt: 'none' }), { redirect: 'manual' });
    const location = new URL(none.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(APP_CALLBACK);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'login_required', state: 's1', iss: issuer });

    const wrong = await fetch(client.buildAuthorizationUrl(config, { ...base, redirect_uri: `${APP_CALLBACK}/more` }), {
      redirect: 'manual',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('location')).toBeNull();
    // Required even of an application with a single registered redirect URI (OpenID Connect Core 3.1.2.1).
    const { redirect_uri: _omitted, ...withoutRedirect } = base;
    const omitted = await fetch(client.buildAuthorizationUrl(config, withoutRedirect), { redirect: 'manual' });
    expect(omitted.status).toBe(400);
    expect(omitted.headers.get('location')).toBeNull();
    // The person is told in their words what happened and what to do; the protocol's error is for the developers, marked English.
    const omittedPage = await omitted.text();
    expect(omittedPage).toContain('The application sent a request Tessera cannot accept');
    expect(omittedPage).toMatch(/For the application’s developers: <code lang="en">invalid_request: [^<]*redirect_uri/);
    const inGerman = await fetch(client.buildAuthorizationUrl(config, withoutRedirect), {
      redirect: 'manual',
      headers: { 'accept-language': 'de-DE,de;q=0.9' },
    });
    const germanPage = await inGerman.text();
    expect(germanPage).toContain('<html lang="de">');
    expect(germanPage).toContain('Die Anwendung hat eine Anfrage gesendet, die Tessera nicht annehmen kann');
    expect(germanPage).toContain('<code lang="en">invalid_request:');
    // Without a session the browser is sent to the interaction page, which sends it to the hosted sign-in.
    const start = await fetch(client.buildAuthorizationUrl(config, { ...base, login_hint: 'someone@example.com' }), { redirect: 'manual' });
    const interaction = start.headers.get('location') as string;
    expect(interaction).toMatch(/^\/oidc\/interaction\/[\w-]+$/);
    const cookie = start.headers
      .getSetCookie()
      .map((value) => value.split(';')[0])
      .join('; ');
    const step = await fetch(`${issuer}${interaction}`, { redirect: 'manual', headers: { cookie } });
    expect(step.status).toBe(303);
    const signIn = new URL(step.headers.get('location') as string, issuer);
    expect(signIn.pathname).toBe('/sign-in');
    expect(signIn.searchParams.get('return_to')).toBe(interaction);
    expect(signIn.searchParams.get('login_hint')).toBe('someone@example.com');
    // An unknown interaction is Tessera's problem+json.
    const gone = await h.app.inject({ method: 'GET', url: '/oidc/interaction/unknown-interaction' });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('INTERACTION_NOT_FOUND');
  });

  it('keeps the provider artefacts in the database, and the expiry job removes those past their lifetime', async () => {
    const rows = await queryRows<{ model: string }>(h.context.database.primary, sql`SELECT DISTINCT model FROM oidc_artifacts`);
    expect(rows.map((row) => row.model)).toEqual(expect.arrayContaining(['Interaction']));
    await h.context.database.primary.execute(
      sql`INSERT INTO oidc_artifacts (model, id, payload, expires_at) VALUES ('Session', 'old', '{}', now() - interval '1 minute'), ('Session', 'live', '{}', now() + interval '1 hour')`,
    );
    await h.app.modules.oidc.deleteExpired();
    const left = await queryRows<{ id: string }>(h.context.database.primary, sql`SELECT id FROM oidc_artifacts WHERE model = 'Session'`);
    expect(left.map((row) => row.id)).toEqual(['live']);
    const expired = await queryRows(h.context.database.primary, sql`SELECT 1 FROM oidc_artifacts WHERE expires_at <= now()`);
    expect(expired).toHaveLength(0);
  });
});
