import { hash } from '@node-rs/argon2';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { argon2Options, needsRehash } from '../src/platform/passwords.js';
import type { Harness } from './helpers/app.js';
import { createUser, harnessWithAdmin, login, loginAs } from './helpers/auth.js';

const temporary = 'handed over by phone';
const chosen = 'only the user knows this one';

describe('temporary passwords, replaced at the first sign-in', () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    ({ h, admin } = await harnessWithAdmin());
  });
  afterAll(() => h.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url, payload, headers });
  const actions = async (userId: string) =>
    (
      await queryRows<{ action: string }>(
        h.context.database.primary,
        sql`SELECT action FROM audit_logs WHERE entity_id = ${userId} OR actor_id = ${userId} ORDER BY id`,
      )
    ).map((row) => row.action);

  it('signs in to a change token only, which changes the password and nothing else, then the normal tokens', async () => {
    const created = await post(
      '/users',
      { email: 'temp@example.com', firstName: 'Temp', lastName: 'User', password: temporary, temporary: true },
      admin.headers,
    );
    expect(created.statusCode).toBe(201);
    const userId = created.json().user.id as string;

    const first = await post('/auth/login', { email: 'temp@example.com', password: temporary });
    expect(first.statusCode).toBe(200);
    expect(Object.keys(first.json()).sort()).toEqual(['changeToken', 'passwordChangeRequired']);
    const { changeToken } = first.json() as { changeToken: string };

    // The token is no credential: not a Bearer token, not an API key.
    for (const headers of [{ authorization: `Bearer ${changeToken}` }, { 'x-api-key': changeToken }]) {
      expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers })).statusCode).toBe(401);
    }
    expect((await post('/auth/refresh-token', { refreshToken: changeToken })).statusCode).toBe(401);
    expect((await post('/auth/reset-password', { token: changeToken, password: chosen })).json().code).toBe('INVALID_LINK');

    // The new password must differ, and pass the policy; a refusal leaves the token usable.
    const same = await post('/auth/change-password', { changeToken, newPassword: temporary });
    expect([same.statusCode, same.json().code]).toEqual([400, 'PASSWORD_UNCHANGED']);
    const weak = await post('/auth/change-password', { changeToken, newPassword: 'password1' });
    expect([weak.statusCode, weak.json().code]).toEqual([400, 'VALIDATION_FAILED']);

    const changed = await post('/auth/change-password', { changeToken, newPassword: chosen });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ tokenType: 'Bearer', user: { id: userId, email: 'temp@example.com' } });
    const me = await h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${changed.json().accessToken}` } });
    expect(me.statusCode).toBe(200);

    const reused = await post('/auth/change-password', { changeToken, newPassword: 'yet another fine passphrase' });
    expect([reused.statusCode, reused.json().code]).toEqual([400, 'INVALID_CHANGE_TOKEN']);
    expect((await post('/auth/login', { email: 'temp@example.com', password: temporary })).statusCode).toBe(401);
    expect((await login(h, 'temp@example.com', chosen)).accessToken).toBeTruthy();

    const trail = await actions(userId);
    expect(trail).toEqual(expect.arrayContaining(['user.created', 'auth.password_change_required', 'auth.temporary_password_replaced']));
    const [created_] = await queryRows<{ payload: Record<string, unknown> }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE entity_id = ${userId} AND action = 'user.created'`,
    );
    expect(created_?.payload).toMatchObject({ changeRequiredAtSignIn: true });
    expect(JSON.stringify(await queryRows(h.context.database.primary, sql`SELECT payload FROM audit_logs`))).not.toContain(temporary);
  });

  it('lets an administrator set a temporary password on an existing user, which ends their sessions', async () => {
    const user = await createUser(h, { email: 'reset-by-admin@example.com' });
    const session = await login(h, user.email, user.password);
    const set = await h.app.inject({
      method: 'PUT',
      url: `/users/${user.id}/password`,
      headers: admin.headers,
      payload: { password: temporary, temporary: true },
    });
    expect(set.statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: session.headers })).statusCode).toBe(401);
    expect((await post('/auth/login', { email: user.email, password: user.password })).statusCode).toBe(401);
    const signIn = await post('/auth/login', { email: user.email, password: temporary });
    expect(signIn.json()).toEqual({ passwordChangeRequired: true, changeToken: expect.any(String) });
    expect(await actions(user.id)).toContain('auth.password_set_by_admin');

    // A permanent one signs in at once; the change token handed out before is dead with the flag gone.
    await h.app.inject({ method: 'PUT', url: `/users/${user.id}/password`, headers: admin.headers, payload: { password: chosen } });
    expect((await login(h, user.email, chosen)).accessToken).toBeTruthy();
    const stale = await post('/auth/change-password', { changeToken: signIn.json().changeToken, newPassword: 'a fresh passphrase here' });
    expect(stale.json().code).toBe('INVALID_CHANGE_TOKEN');
  });

  it("redoes an outdated temporary password with today's parameters and keeps it temporary, its change token still good", async () => {
    const user = await createUser(h, { email: 'old-temp@example.com' });
    const outdated = await hash(temporary, { ...argon2Options, timeCost: 1 });
    await h.context.database.primary.execute(
      sql`UPDATE users SET password_hash = ${outdated}, password_change_required = true WHERE id = ${user.id}`,
    );
    const signIn = await post('/auth/login', { email: user.email, password: temporary });
    expect(signIn.json()).toEqual({ passwordChangeRequired: true, changeToken: expect.any(String) });
    const [stored] = await queryRows<{ password_hash: string; password_change_required: boolean }>(
      h.context.database.primary,
      sql`SELECT password_hash, password_change_required FROM users WHERE id = ${user.id}`,
    );
    expect(stored?.password_change_required).toBe(true);
    expect(needsRehash(stored?.password_hash ?? '')).toBe(false);
    // Still temporary: a second sign-in answers a change token again, and the newest one changes the password.
    const again = await post('/auth/login', { email: user.email, password: temporary });
    const changed = await post('/auth/change-password', { changeToken: again.json().changeToken, newPassword: chosen });
    expect(changed.json()).toMatchObject({ tokenType: 'Bearer', user: { id: user.id } });
  });

  it('keeps setting passwords for administrators, inside their tenancy', async () => {
    const plain = await loginAs(h);
    const target = await createUser(h);
    const refused = await h.app.inject({
      method: 'PUT',
      url: `/users/${target.id}/password`,
      headers: plain.headers,
      payload: { password: temporary, temporary: true },
    });
    expect(refused.statusCode).toBe(403);
    const missing = await h.app.inject({
      method: 'PUT',
      url: '/users/01900000-0000-7000-8000-000000000000/password',
      headers: admin.headers,
      payload: { password: temporary },
    });
    expect(missing.json().code).toBe('USER_NOT_FOUND');
    const noPassword = await post('/users', { email: 'no-pass@example.com', temporary: true }, admin.headers);
    expect([noPassword.statusCode, noPassword.json().errors]).toEqual([400, [{ path: '/temporary', message: 'needs a password' }]]);
  });

  it('still changes a signed-in password with the current one, and needs a session for that', async () => {
    const user = await loginAs(h);
    const anonymous = await post('/auth/change-password', { currentPassword: user.user.password, newPassword: chosen });
    expect(anonymous.statusCode).toBe(401);
    const both = await post('/auth/change-password', { currentPassword: 'x', changeToken: 'y'.repeat(43), newPassword: chosen });
    expect(both.statusCode).toBe(400);
    const changed = await post('/auth/change-password', { currentPassword: user.user.password, newPassword: chosen }, user.headers);
    expect(changed.statusCode).toBe(204);
  });
});
