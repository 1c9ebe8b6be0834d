import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

describe("a user's API keys for administrators: GET and DELETE /users/:id/api-keys", () => {
  let h: Harness;
  let owner: Awaited<ReturnType<typeof loginAs>>;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', SIGNING_KEY_SECRET: 'ab'.repeat(32) } });
    owner = await loginAs(h, { permissions: ['users:read'] });
    admin = await loginAs(h, { permissions: ['users:read', 'sessions:manage'] });
  });
  afterAll(() => h.close());

  const call = (headers: Record<string, string>, method: 'GET' | 'DELETE', url: string) => h.app.inject({ method, url, headers });
  const newKey = async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: owner.headers,
      payload: { name: 'ci', scopes: ['users:read'] },
    });
    return res.json() as { id: string; key: string };
  };

  it('lists the keys without secrets and revokes one, which then answers 401', async () => {
    const { id, key } = await newKey();
    const listed = await call(admin.headers, 'GET', `/users/${owner.userId}/api-keys`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data).toEqual([expect.objectContaining({ id, name: 'ci', scopes: ['users:read'] })]);
    expect(listed.body).not.toContain(key);

    expect((await call(admin.headers, 'DELETE', `/users/${owner.userId}/api-keys/${id}`)).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': key } })).statusCode).toBe(401);
    expect((await call(admin.headers, 'GET', `/users/${owner.userId}/api-keys`)).json().data).toEqual([]);
    expect((await call(admin.headers, 'DELETE', `/users/${owner.userId}/api-keys/${id}`)).json().code).toBe('API_KEY_NOT_FOUND');
  });

  it("needs sessions:manage for another user's keys, and refuses revoking with an API key", async () => {
    const { id, key } = await newKey();
    const other = await loginAs(h, { permissions: ['users:read'] });
    expect((await call(other.headers, 'GET', `/users/${owner.userId}/api-keys`)).statusCode).toBe(403);
    expect((await call(owner.headers, 'GET', '/users/me/api-keys')).json().data.map((k: { id: string }) => k.id)).toContain(id);
    const adminKey = await h.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: admin.headers,
      payload: { name: 'admin', scopes: ['users:read', 'sessions:manage'] },
    });
    const byKey = await call({ 'x-api-key': adminKey.json().key }, 'DELETE', `/users/${owner.userId}/api-keys/${id}`);
    expect(byKey.json().code).toBe('API_KEY_NOT_ALLOWED');
    expect((await h.app.inject({ method: 'GET', url: '/users', headers: { 'x-api-key': key } })).statusCode).toBe(200);
  });
});
