import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rotateSigningKey } from '../src/modules/auth/signing-keys.js';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

const b64 = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('access tokens', () => {
  let h: Harness;
  let session: Awaited<ReturnType<typeof loginAs>>;
  let claims: Record<string, unknown>;
  let kid: string;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    session = await loginAs(h, { roles: ['admin'] });
    const [header, payload] = session.accessToken.split('.');
    claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    kid = JSON.parse(Buffer.from(header as string, 'base64url').toString()).kid;
  });
  afterAll(() => h.close());
  afterEach(() => vi.useRealTimers());

  const me = (token: string) => h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });

  it('is taken whatever the case of the Bearer scheme (RFC 9110 §11.1), as is an API key sent as one', async () => {
    for (const scheme of ['bearer', 'BEARER']) {
      const answer = await h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `${scheme} ${session.accessToken}` } });
      expect(answer.statusCode).toBe(200);
    }
    const key = await h.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: session.headers,
      payload: { name: 'case', scopes: [] },
    });
    expect(key.statusCode).toBe(201);
    const withKey = await h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `bearer ${key.json().key}` } });
    expect(withKey.statusCode).toBe(200);
  });

  it('carries the claims other services need, signed with EdDSA under a published kid', async () => {
    expect(claims).toMatchObject({
      iss: 'https://tessera.test',
      aud: 'tessera',
      sub: session.userId,
      roles: ['admin'],
      org: null,
      plan: null,
    });
    expect(claims).toHaveProperty('sid');
    expect(claims).toHaveProperty('jti');
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    const jwks = await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.json().keys).toEqual([expect.objectContaining({ kid, kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })]);
    expect(JSON.stringify(jwks.json())).not.toMatch(/"d"/);
    expect((await me(session.accessToken)).statusCode).toBe(200);
  });

  it('refuses alg none, HS256 keyed with our public key, unknown kid, header keys, and tampering', async () => {
    const payload = b64(claims);
    const publicJwk = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json().keys[0];
    const none = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${payload}.`;
    const hsHeader = b64({ alg: 'HS256', typ: 'at+jwt', kid });
    const hs = `${hsHeader}.${payload}.${createHmac('sha256', JSON.stringify(publicJwk)).update(`${hsHeader}.${payload}`).digest('base64url')}`;
    const hsX = `${hsHeader}.${payload}.${createHmac('sha256', Buffer.from(publicJwk.x, 'base64url')).update(`${hsHeader}.${payload}`).digest('base64url')}`;

    const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = (header: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', ...header }).sign(attacker.privateKey);
    const unknownKid = await forged({ kid: '00000000-0000-7000-8000-000000000000' });
    const embeddedJwk = await forged({ kid, jwk: await exportJWK(attacker.publicKey) });
    const jku = await forged({ kid, jku: 'https://evil.example/jwks.json' });
    const ourKidTheirKey = await forged({ kid });

    const [header, , signature] = session.accessToken.split('.');
    const tampered = `${header}.${b64({ ...claims, roles: ['admin', 'god'] })}.${signature}`;

    for (const token of [none, hs, hsX, unknownKid, embeddedJwk, jku, ourKidTheirKey, tampered, 'not-a-jwt', '']) {
      const res = await me(token);
      expect(res.statusCode, token.slice(0, 40)).toBe(401);
    }
  });

  it('refuses expired, wrong-audience and wrong-issuer tokens signed with our own key', async () => {
    const { loadKeys } = await import('../src/modules/auth/signing-keys.js');
    const keys = await loadKeys(h.context.database.primary, h.context.config);
    const sign = (changes: Record<string, unknown>) =>
      new SignJWT({ ...claims, ...changes })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.active.kid })
        .sign(keys.active.privateKey);
    const now = Math.floor(Date.now() / 1000);
    expect((await me(await sign({}))).statusCode).toBe(200);
    expect((await me(await sign({ exp: now - 10, iat: now - 1000 }))).statusCode).toBe(401);
    expect((await me(await sign({ aud: 'another-service' }))).statusCode).toBe(401);
    expect((await me(await sign({ iss: 'https://evil.example' }))).statusCode).toBe(401);
    expect((await me(await sign({ sid: '00000000-0000-7000-8000-000000000000' }))).statusCode).toBe(401);
  });

  it.each(['idle_expires_at', 'expires_at'])(
    "refuses a token just past its session's %s, though the session was found live a moment before (a driven clock)",
    async (expiry) => {
      const fresh = await loginAs(h);
      const start = Date.now();
      const endsAt = new Date(start + 10_000).toISOString();
      await h.context.database.primary.execute(
        sql`UPDATE sessions SET ${sql.identifier(expiry)} = ${endsAt}::timestamptz WHERE id = ${String(decodeJwt(fresh.accessToken).sid)}`,
      );
      vi.useFakeTimers({ toFake: ['Date'], now: start });
      expect((await me(fresh.accessToken)).statusCode).toBe(200);
      vi.setSystemTime(start + 9_900);
      expect((await me(fresh.accessToken)).statusCode).toBe(200);
      vi.setSystemTime(start + 10_100);
      const ended = await me(fresh.accessToken);
      expect([ended.statusCode, ended.json().code]).toEqual([401, 'SESSION_ENDED']);
    },
  );

  it('refuses a refresh token presented as an access token', async () => {
    const res = await me(session.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('INVALID_TOKEN');
  });

  it('rotates signing keys with an overlap: old tokens still verify, new ones use the new kid', async () => {
    const newKid = await rotateSigningKey(h.context.database.primary, h.context.config);
    // Every node rereads the keys within a minute; this one is told at once.
    await h.app.modules.auth.reloadKeys();
    const jwks = (await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((key: { kid: string }) => key.kid).sort()).toEqual([kid, newKid].sort());
    expect((await me(session.accessToken)).statusCode).toBe(200);
    const fresh = await loginAs(h);
    const freshKid = JSON.parse(Buffer.from(fresh.accessToken.split('.')[0] as string, 'base64url').toString()).kid;
    expect(freshKid).toBe(newKid);
  });
});
