import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, loginAs } from './helpers/auth.js';

// A leaked key must not change what its owner signs in or recovers with: the address, the username, the phone a code goes to.
describe("an API key and its owner's sign-in identifiers", () => {
  let h: Harness;
  let owner: Awaited<ReturnType<typeof loginAs>>;
  let key: Record<string, string>;
  const identifiersOf = async (id: string) =>
    (
      await queryRows<{ email: string; username: string | null; phone: string | null }>(
        h.context.database.primary,
        sql`SELECT email, username, phone FROM users WHERE id = ${id}`,
      )
    )[0];

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    owner = await loginAs(h, { permissions: ['users:read', 'users:write'], username: 'key-owner' });
    const made = await h.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: owner.headers,
      payload: { name: 'automation', scopes: ['users:read', 'users:write'] },
    });
    expect(made.statusCode, made.body).toBe(201);
    key = { 'x-api-key': made.json().key };
  });
  afterAll(() => h.close());

  const send = (method: 'PUT' | 'PATCH', url: string, payload: object) => h.app.inject({ method, url, headers: key, payload });
  const answer = async (method: 'PUT' | 'PATCH', url: string, payload: object) => {
    const res = await send(method, url, payload);
    return [res.statusCode, res.json().code];
  };

  it("refuses a new username, phone or address of the key's owner through every door, with 403 API_KEY_NOT_ALLOWED", async () => {
    const refused = [403, 'API_KEY_NOT_ALLOWED'];
    for (const url of ['/users/me', `/users/${owner.userId}`]) {
      expect(await answer('PATCH', url, { username: 'taken-over' })).toEqual(refused);
      expect(await answer('PATCH', url, { username: null })).toEqual(refused);
      expect(await answer('PATCH', url, { phone: '+14155550193' })).toEqual(refused);
      expect(await answer('PATCH', url, { email: 'attacker@example.com' })).toEqual(refused);
    }
    expect(await answer('PUT', '/users/profile', { username: 'taken-over' })).toEqual(refused);
    expect(await answer('PUT', '/users/profile', { phone: '+14155550193' })).toEqual(refused);
    expect(await answer('PUT', '/users/profile', { email: 'attacker@example.com' })).toEqual(refused);

    // An import overwriting the owner's account is the same change, refused on its line.
    const imported = await h.app.inject({
      method: 'POST',
      url: '/users/import?update=true',
      headers: { ...key, 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify({ email: owner.user.email, username: 'taken-over', phone: '+14155550193' })}\n`,
    });
    expect([imported.statusCode, imported.json().code]).toEqual([400, 'IMPORT_REJECTED']);
    expect(imported.json().errors).toEqual([expect.objectContaining({ path: 'line 1: email' })]);

    // The fields as they are, sent along with another change, change nothing one signs in with.
    const unchanged = await send('PATCH', '/users/me', { firstName: 'Still', username: 'key-owner', phone: null });
    expect(unchanged.statusCode, unchanged.body).toBe(200);
    expect(await identifiersOf(owner.userId)).toEqual({ email: owner.user.email, username: 'key-owner', phone: null });
  });

  it('keeps changing the username and phone of other users within its reach', async () => {
    const colleague = await createUser(h, { username: 'colleague' });
    const changed = await send('PATCH', `/users/${colleague.id}`, { username: 'colleague-renamed', phone: '+14155550194' });
    expect(changed.statusCode, changed.body).toBe(200);
    const imported = await h.app.inject({
      method: 'POST',
      url: '/users/import?update=true',
      headers: { ...key, 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify({ email: colleague.email, username: 'colleague-imported', phone: '+14155550195' })}\n`,
    });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({ updated: 1, failed: 0 });
    expect(await identifiersOf(colleague.id)).toEqual({ email: colleague.email, username: 'colleague-imported', phone: '+14155550195' });
  });
});
