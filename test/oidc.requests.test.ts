import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { driver } from './helpers/databases.js';
import { startLoggedApp } from './helpers/logs.js';
import { APP_CALLBACK, applicationAdmin, registerApplication } from './helpers/oidc.js';
import { freePort } from './helpers/ports.js';

// The OpenID provider's endpoints as anything may call them: whatever is sent, the provider's own OAuth errors or
// Tessera's problem+json, never a 500.
describe(`OpenID provider and requests as sent (${driver})`, () => {
  let h: Harness;
  let issuer: string;
  let web: Awaited<ReturnType<typeof registerApplication>>;
  let service: Awaited<ReturnType<typeof registerApplication>>;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    h = await createHarness({ config: { PUBLIC_URL: issuer } });
    await h.app.listen({ port, host: '127.0.0.1' });
    const admin = await applicationAdmin(h);
    web = await registerApplication(h, admin, { name: 'Wiki', kind: 'web', redirectUris: [APP_CALLBACK] });
    service = await registerApplication(h, admin, { name: 'Reporting job', kind: 'service', scopes: ['users:read'] });
  }, 120_000);
  afterAll(async () => h?.close());

  const form = (path: string, fields: string, headers: Record<string, string> = {}) =>
    fetch(`${issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: fields,
    });
  const basic = () => ({
    authorization: `Basic ${Buffer.from(`${service.application.clientId}:${service.clientSecret}`).toString('base64')}`,
  });

  it('answers U+0000 in any parameter of the token, introspection and revocation endpoints with invalid_request', async () => {
    const sent: [string, string, Record<string, string>][] = [
      ['/oidc/token', 'grant_type=client_credentials&client_id=%00&client_secret=x', {}],
      ['/oidc/token', `grant_type=client_credentials&client_id=${service.application.clientId}&client_secret=%00`, {}],
      ['/oidc/token', 'grant_type=authorization_code&code=%00&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback', basic()],
      ['/oidc/token', 'grant_type=refresh_token&refresh_token=%00', basic()],
      ['/oidc/token', 'grant_type=client_credentials&scope=users%3Aread%00', basic()],
      ['/oidc/token/introspection', 'token=%00', basic()],
      ['/oidc/token/revocation', 'token=%00', basic()],
      ['/oidc/token/revocation', 'token=abc&token_type_hint=%00', basic()],
    ];
    for (const [path, fields, headers] of sent) {
      const res = await form(path, fields, headers);
      expect([res.status, res.headers.get('content-type')], `${path} ${fields}`).toEqual([400, 'application/json; charset=utf-8']);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    }
    // In the address as well as in the body.
    const query = await form('/oidc/token?client_id=%00', 'grant_type=client_credentials', basic());
    expect([query.status, (await query.json()).error]).toEqual([400, 'invalid_request']);
    // What it takes without one still works.
    const fine = await form('/oidc/token', 'grant_type=client_credentials&scope=users%3Aread', basic());
    expect(fine.status).toBe(200);
  });

  it('answers U+0000 in an authorization request with the provider’s error page, 400, never back to the application', async () => {
    const base = {
      client_id: web.application.clientId,
      redirect_uri: APP_CALLBACK,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
      state: 's1',
    };
    for (const parameter of ['state', 'nonce', 'login_hint', 'ui_locales', 'client_id', 'scope']) {
      const url = `${issuer}/oidc/auth?${new URLSearchParams({ ...base, [parameter]: 'a\u0000b' })}`;
      const res = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
      expect([res.status, res.headers.get('location'), res.headers.get('content-type')], parameter).toEqual([
        400,
        null,
        'text/html; charset=utf-8',
      ]);
      expect(await res.text()).toContain('<code lang="en">invalid_request:');
    }
    // As the provider answers any request it cannot send back: its page, whatever the client accepts.
    const script = await fetch(`${issuer}/oidc/auth?${new URLSearchParams({ ...base, state: '\u0000' })}`, { redirect: 'manual' });
    expect([script.status, script.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
    // A resume's uid, and the userinfo endpoint's token in the address, likewise.
    expect((await fetch(`${issuer}/oidc/auth/a%00b`, { redirect: 'manual' })).status).toBe(400);
    const userinfo = await fetch(`${issuer}/oidc/me?access_token=%00`);
    expect([userinfo.status, (await userinfo.json()).error]).toEqual([400, 'invalid_request']);
  });

  it('logs a server error of the provider at error level, with its cause and the address less its secrets', async () => {
    const logged = await startLoggedApp(h);
    // The provider's storage gone for a moment: every write of its state fails.
    await h.context.database.primary.execute(sql`ALTER TABLE oidc_artifacts RENAME TO oidc_artifacts_away`);
    try {
      const res = await logged.app.inject({
        method: 'GET',
        url: `/oidc/auth?${new URLSearchParams({
          client_id: web.application.clientId,
          redirect_uri: APP_CALLBACK,
          response_type: 'code',
          scope: 'openid',
          code_challenge: 'x'.repeat(43),
          code_challenge_method: 'S256',
          state: 'opaque-state-2342',
        })}`,
        headers: { accept: 'text/html' },
      });
      expect(res.statusCode).toBe(500);
    } finally {
      await h.context.database.primary.execute(sql`ALTER TABLE oidc_artifacts_away RENAME TO oidc_artifacts`);
      await logged.close();
    }
    const errors = logged.lines.map((line) => JSON.parse(line)).filter((line) => line.level === 50);
    expect(errors).toEqual([
      expect.objectContaining({
        msg: 'OpenID provider request failed',
        method: 'GET',
        url: expect.stringMatching(/^\/oidc\/auth\?.*state=\[redacted\]/),
        err: expect.objectContaining({ type: expect.any(String), message: expect.stringContaining('oidc_artifacts') }),
      }),
    ]);
    expect(errors[0].reqId).toEqual(expect.any(String));
    // The statement that failed is named; the values it was given (the request's state among them) are not.
    expect(errors[0].err.query).toMatch(/^insert into "oidc_artifacts"/);
    expect(logged.lines.join('\n')).not.toContain('opaque-state-2342');
  });

  it('answers OPTIONS that is not a preflight on the provider’s cross-origin endpoints 204 with Allow, as a preflight still is', async () => {
    const served: [string, string][] = [
      ['/oidc/token', 'OPTIONS, POST'],
      ['/oidc/token/introspection', 'OPTIONS, POST'],
      ['/oidc/token/revocation', 'OPTIONS, POST'],
      ['/oidc/me', 'GET, HEAD, OPTIONS, POST'],
      ['/oidc/jwks', 'GET, HEAD, OPTIONS'],
      ['/.well-known/openid-configuration', 'GET, HEAD, OPTIONS'],
    ];
    for (const [path, allow] of served) {
      const res = await fetch(`${issuer}${path}`, { method: 'OPTIONS' });
      expect([res.status, res.headers.get('allow'), await res.text()], path).toEqual([204, allow, '']);
    }
    const preflight = await fetch(`${issuer}/oidc/jwks`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-methods')]).toEqual([204, 'GET']);
  });

  it('answers a method a provider path is not served with 405 problem+json with Allow, and serves every method Allow names', async () => {
    const served: [string, string][] = [
      ['/.well-known/openid-configuration', 'GET, HEAD, OPTIONS'],
      ['/oidc/auth', 'GET, HEAD'],
      ['/oidc/auth/an-interaction', 'GET, HEAD'],
      ['/oidc/token', 'OPTIONS, POST'],
      ['/oidc/token/', 'OPTIONS, POST'],
      ['/oidc/token/introspection', 'OPTIONS, POST'],
      ['/oidc/token/revocation', 'OPTIONS, POST'],
      ['/oidc/me', 'GET, HEAD, OPTIONS, POST'],
      ['/oidc/jwks', 'GET, HEAD, OPTIONS'],
      ['/oidc/request', 'OPTIONS, POST'],
      ['/oidc/session/end', 'GET, HEAD'],
      ['/oidc/session/end/confirm', 'POST'],
      ['/oidc/session/end/success', 'GET, HEAD'],
    ];
    const mismatches: string[] = [];
    for (const [path, allow] of served) {
      for (const method of ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']) {
        const res = await fetch(`${issuer}${path}`, { method, redirect: 'manual' });
        const body = method === 'HEAD' ? '' : await res.text();
        if (allow.split(', ').includes(method)) {
          if (res.status === 404 || res.status === 405) mismatches.push(`${method} ${path}: ${res.status}, but Allow names it`);
        } else if (
          res.status !== 405 ||
          res.headers.get('allow') !== allow ||
          (method !== 'HEAD' && !res.headers.get('content-type')?.startsWith('application/problem+json')) ||
          (method !== 'HEAD' && JSON.parse(body).code !== 'METHOD_NOT_ALLOWED')
        ) {
          mismatches.push(`${method} ${path}: ${res.status} ${res.headers.get('allow')} ${body.slice(0, 80)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // A path under /oidc that nothing serves is still nobody's.
    const nowhere = await fetch(`${issuer}/oidc/nope`, { method: 'PUT' });
    expect([nowhere.status, nowhere.headers.get('allow'), (await nowhere.json()).code]).toEqual([404, null, 'ROUTE_NOT_FOUND']);
  });
});
