import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, impersonate, loginAs } from './helpers/auth.js';
import { pagesOf } from './helpers/pages-of.js';

describe('API keys', () => {
  let h: Harness;
  let owner: Awaited<ReturnType<typeof loginAs>>;
  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', SIGNING_KEY_SECRET: 'ab'.repeat(32) } });
    owner = await loginAs(h, { permissions: ['users:read', 'audit:read'] });
  });
  afterAll(() => h.close());

  const create = (payload: object) => h.app.inject({ method: 'POST', url: '/auth/api-keys', headers: owner.headers, payload });

  it('shows the secret once, stores only its hash and prefix, and narrows to its scopes', async () => {
    const created = await create({ name: 'reporting', scopes: ['users:read'] });
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = created.json();
    expect(key).toMatch(/^tsk_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    const listed = await h.app.inject({ method: 'GET', url: '/auth/api-keys', headers: owner.headers });
    expect(listed.json().data).toEqual([expect.objectContaining({ id, name: 'reporting', scopes: ['users:read'], lastUsedAt: null })]);
    expect(listed.body).not.toContain(key);
    const [row] = await queryRows<{ key_hash: string }>(h.context.database.primary, sql`SELECT key_hash FROM api_keys WHERE id = ${id}`);
    expect(row?.key_hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
    // The owner may read the audit log; this key was not given that scope.
    expect((await h.app.inject({ method: 'GET', url: '/audit-logs', headers: { 'x-api-key': key } })).statusCode).toBe(403);
    const used = (await h.app.inject({ method: 'GET', url: '/auth/api-keys', headers: owner.headers })).json().data[0];
    expect(used.lastUsedAt).not.toBeNull();

    expect((await h.app.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: owner.headers })).statusCode).toBe(204);
    const revoked = await h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': key } });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe('INVALID_API_KEY');
  });

  it('pages the keys newest first', async () => {
    const holder = await loginAs(h, { permissions: ['users:read'] });
    const made: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      const created = await h.app.inject({ method: 'POST', url: '/auth/api-keys', headers: holder.headers, payload: { name, scopes: [] } });
      made.unshift(created.json().id);
    }
    const pages = await pagesOf(h, '/auth/api-keys', holder.headers, 2);
    expect(pages.map((page) => page.map((key) => key.id))).toEqual([made.slice(0, 2), made.slice(2)]);
  });

  it('is revoked from a signed-in session only: neither a key nor an impersonation revokes one', async () => {
    const holder = await loginAs(h, { permissions: ['users:read'] });
    const make = async (name: string) =>
      (await h.app.inject({ method: 'POST', url: '/auth/api-keys', headers: holder.headers, payload: { name, scopes: [] } })).json();
    const [leaked, service] = [await make('leaked'), await make('service')];
    const revoke = async (id: string, headers: Record<string, string>) => {
      const res = await h.app.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers });
      return [res.statusCode, res.statusCode === 204 ? undefined : res.json().code];
    };
    expect(await revoke(service.id, { 'x-api-key': leaked.key })).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    expect(await revoke(leaked.id, { 'x-api-key': leaked.key })).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    const support = await loginAs(h, { permissions: ['users:read', 'users:impersonate'] });
    const asHolder = await impersonate(h, support, holder.userId, 'Ticket 88: keys');
    expect(await revoke(service.id, asHolder)).toEqual([403, 'IMPERSONATION_NOT_ALLOWED']);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': service.key } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': leaked.key } })).statusCode).toBe(200);
  });

  it('refuses scopes the owner does not hold, unknown scopes and past expiry; honours expiry', async () => {
    expect((await create({ name: 'too much', scopes: ['users:delete'] })).json().code).toBe('SCOPE_NOT_HELD');
    expect((await create({ name: 'unknown', scopes: ['nope:nope'] })).json().code).toBe('UNKNOWN_PERMISSION');
    expect((await create({ name: 'past', scopes: [], expiresAt: '2001-01-01T00:00:00Z' })).json().code).toBe('INVALID_EXPIRY');
    // Seconds ahead, so a loaded machine still uses it before it expires; then waited out.
    const expiresAt = Date.now() + 3000;
    const short = (await create({ name: 'short', scopes: ['users:read'], expiresAt: new Date(expiresAt).toISOString() })).json();
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': short.key } })).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 100));
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': short.key } })).statusCode).toBe(401);
  });

  it("stops working when its owner is suspended, and cannot touch another user's keys", async () => {
    const other = await loginAs(h, { permissions: ['users:read'] });
    const { key, id } = (
      await h.app.inject({ method: 'POST', url: '/auth/api-keys', headers: other.headers, payload: { name: 'x', scopes: ['users:read'] } })
    ).json();
    expect((await h.app.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: owner.headers })).statusCode).toBe(404);
    await h.context.database.primary.execute(sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${other.userId}`);
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': key } })).statusCode).toBe(401);
  });

  it('keeps signing keys encrypted at rest when SIGNING_KEY_SECRET is set, and audits key events', async () => {
    const keys = await queryRows<{ private_key: string }>(h.context.database.primary, sql`SELECT private_key FROM signing_keys`);
    expect(keys.length).toBeGreaterThan(0);
    for (const row of keys) {
      expect(row.private_key).toMatch(/^enc:v1:/);
      expect(row.private_key).not.toContain('PRIVATE KEY');
    }
    const actions = await queryRows<{ action: string }>(
      h.context.database.primary,
      sql`SELECT DISTINCT action FROM audit_logs WHERE entity = 'api_key'`,
    );
    expect(actions.map((row) => row.action).sort()).toEqual(['auth.api_key_created', 'auth.api_key_revoked']);
  });
});

describe('REQUIRE_EMAIL_VERIFICATION', () => {
  it('refuses sign-in to unverified accounts, with the usual answer', async () => {
    const h = await createHarness({ config: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
    try {
      const user = await createUser(h);
      await h.context.database.primary.execute(sql`UPDATE users SET email_verified_at = NULL WHERE id = ${user.id}`);
      const res = await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password } });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('INVALID_CREDENTIALS');
    } finally {
      await h.close();
    }
  });
});
