import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { driver } from './helpers/databases.js';
import { auditActions } from './helpers/federation.js';
import { APP_CALLBACK, registerApplication, relyingParty } from './helpers/oidc.js';
import { freePort } from './helpers/ports.js';

// Who may change an application: a service application's tokens act as its owner, so rotating its secret, changing
// or deleting it is for those who may act on the owner (access's rule); a person's application is not guarded so.
describe(`applications: no more power than the actor holds (${driver})`, () => {
  let h: Harness;
  let issuer: string;
  let root: Awaited<ReturnType<typeof loginAs>>;
  let lesser: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    h = await createHarness({ config: { PUBLIC_URL: issuer } });
    await h.app.listen({ port, host: '127.0.0.1' });
    root = await loginAs(h, { roles: ['admin'] });
    // Manages applications, reads no users.
    lesser = await loginAs(h, { permissions: ['applications:manage'] });
  }, 120_000);
  afterAll(async () => h?.close());

  const call = (who: { headers: Record<string, string> }, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    h.app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
  const refusal = (res: { statusCode: number; json: () => { code: string } }) => [res.statusCode, res.json().code];

  it("refuses a holder of applications:manage the secret, scopes and deletion of a super-admin's service application", async () => {
    const job = await registerApplication(h, root, { name: 'Admin job', kind: 'service', scopes: ['users:read', 'users:delete'] });
    const id = job.application.id;
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: lesser.headers })).statusCode).toBe(403);

    // The audit's path: a fresh secret, then client_credentials acting as the super-admin. Refused at the first step.
    expect(refusal(await call(lesser, 'POST', `/applications/${id}/secret`))).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    expect(refusal(await call(lesser, 'PATCH', `/applications/${id}`, { scopes: ['users:read'] }))).toEqual([
      403,
      'ACCOUNT_HOLDS_MORE_ACCESS',
    ]);
    expect(refusal(await call(lesser, 'PATCH', `/applications/${id}`, { name: 'Mine now' }))).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    expect(refusal(await call(lesser, 'DELETE', `/applications/${id}`))).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    expect(await auditActions(h, id)).toEqual(['application.created']);

    // Its owner still rotates it, and the token acts as them with its scopes.
    const rotated = await call(root, 'POST', `/applications/${id}/secret`);
    expect(rotated.statusCode).toBe(200);
    const tokens = await client.clientCredentialsGrant(await relyingParty(issuer, job.application.clientId, rotated.json().clientSecret), {
      scope: 'users:read',
    });
    expect(
      (await h.app.inject({ method: 'GET', url: '/users', headers: { authorization: `Bearer ${tokens.access_token}` } })).statusCode,
    ).toBe(200);
  });

  it('lets the owner and a super-admin control a lesser service application; its scopes stay within what the owner holds', async () => {
    const maker = await loginAs(h, { permissions: ['applications:manage', 'users:read'] });
    const sync = await registerApplication(h, maker, { name: 'Sync', kind: 'service', scopes: ['users:read'] });
    const id = sync.application.id;
    expect((await call(maker, 'POST', `/applications/${id}/secret`)).statusCode).toBe(200);
    expect((await call(root, 'POST', `/applications/${id}/secret`)).statusCode).toBe(200);
    // Someone holding less than the maker (no users:read) may not.
    expect(refusal(await call(lesser, 'POST', `/applications/${id}/secret`))).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    // A super-admin may edit it, but not give it what its owner does not hold: its tokens act as the owner.
    expect(refusal(await call(root, 'PATCH', `/applications/${id}`, { scopes: ['users:read', 'users:delete'] }))).toEqual([
      403,
      'APPLICATION_SCOPE_NOT_HELD',
    ]);
    expect((await call(root, 'PATCH', `/applications/${id}`, { name: 'Nightly sync' })).json().name).toBe('Nightly sync');

    // The owner's own API key, narrowed to applications:manage, may not mint itself a token carrying users:read.
    const key = await call(maker, 'POST', '/auth/api-keys', { name: 'apps only', scopes: ['applications:manage'] });
    const asKey = { headers: { 'x-api-key': key.json().key as string } };
    expect(refusal(await call(asKey, 'POST', `/applications/${id}/secret`))).toEqual([403, 'APPLICATION_SCOPE_NOT_HELD']);

    expect((await call(maker, 'DELETE', `/applications/${id}`)).statusCode).toBe(204);
  });

  // Neither holds tenants:all, but neither is confined to an organization: both see every application
  // (oidc.application-tenancy.test.ts confines one).
  it("leaves a person's application to any holder of applications:manage, who may register a first-party one anyway", async () => {
    const wiki = await registerApplication(h, root, { name: 'Wiki', kind: 'web', redirectUris: [APP_CALLBACK], firstParty: true });
    const own = await registerApplication(h, lesser, {
      name: 'Own',
      kind: 'web',
      redirectUris: ['https://own.example/cb'],
      firstParty: true,
    });
    expect(own.clientSecret).toMatch(/^tcs_/);
    const id = wiki.application.id;
    expect((await call(lesser, 'PATCH', `/applications/${id}`, { redirectUris: ['https://wiki.example/cb'] })).statusCode).toBe(200);
    expect((await call(lesser, 'POST', `/applications/${id}/secret`)).statusCode).toBe(200);
    // Its scopes are OpenID Connect scopes, never Tessera permissions: its tokens carry none.
    expect(refusal(await call(lesser, 'PATCH', `/applications/${id}`, { scopes: ['openid', 'users:read'] }))).toEqual([
      422,
      'UNKNOWN_SCOPE',
    ]);
    expect((await call(lesser, 'DELETE', `/applications/${id}`)).statusCode).toBe(204);
  });
});
