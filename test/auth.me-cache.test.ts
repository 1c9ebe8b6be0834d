import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse as Response } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

type Session = Awaited<ReturnType<typeof loginAs>>;

// /auth/me and a refresh answer the user and plan from each node's memory (issue 9, item 9); a change
// made on one node reaches the other's at once: through Redis when REDIS_URL is set, in process otherwise.
describe('the signed-in user, cached on every node', () => {
  let a: Harness;
  let b: Harness;
  let admin: Session;
  beforeAll(async () => {
    a = await createHarness({ preset: 'saas', config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    b = await createPeer(a);
    admin = await loginAs(a, { roles: ['super_admin'] });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const call = (
    node: Harness,
    session: { headers: Record<string, string> },
    method: 'PATCH' | 'PUT' | 'POST',
    url: string,
    payload: object,
  ) => node.app.inject({ method, url, headers: session.headers, payload });

  /** /auth/me on `node`, once: a change answered on one node is already in every node's answer. */
  const meOn = (node: Harness, session: Session): Promise<Response> =>
    node.app.inject({ method: 'GET', url: '/auth/me', headers: session.headers });

  it('shows on the other node a profile, role and plan change made on one', async () => {
    const member = await loginAs(a, { roles: ['member'], firstName: 'Ada' });
    for (const node of [a, b]) expect((await node.app.inject({ url: '/auth/me', headers: member.headers })).json().firstName).toBe('Ada');

    expect((await call(a, admin, 'PATCH', `/users/${member.userId}`, { firstName: 'Grace' })).statusCode).toBe(200);
    expect((await meOn(b, member)).json().firstName).toBe('Grace');

    expect((await call(a, admin, 'PUT', `/users/${member.userId}/subscription`, { type: 'PREMIUM' })).statusCode).toBe(200);
    const planned = await meOn(b, member);
    expect(planned.json().subscription).toEqual({ plan: 'PREMIUM' });

    expect((await call(a, admin, 'POST', `/users/${member.userId}/roles`, { roles: ['admin'] })).statusCode).toBe(200);
    const granted = await meOn(b, member);
    expect(granted.json().roles).toContain('admin');

    expect((await call(a, admin, 'POST', `/users/${member.userId}/subscription/cancel`, {})).statusCode).toBe(200);
    expect((await meOn(b, member)).json().subscription).toBeNull();
  });

  it('answers a refresh with the user as they are now, and refuses one after a suspension', async () => {
    const member = await loginAs(a, { roles: ['member'], firstName: 'Ada' });
    expect((await b.app.inject({ url: '/auth/me', headers: member.headers })).statusCode).toBe(200);
    expect((await call(a, admin, 'PATCH', `/users/${member.userId}`, { lastName: 'Lovelace' })).statusCode).toBe(200);
    expect((await meOn(b, member)).json().lastName).toBe('Lovelace');
    const refreshed = await b.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: member.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().user.lastName).toBe('Lovelace');

    expect((await call(a, admin, 'POST', `/users/${member.userId}/suspend`, { reason: 'test' })).statusCode).toBe(200);
    expect((await meOn(b, member)).statusCode).toBe(401);
    const refused = await b.app.inject({
      method: 'POST',
      url: '/auth/refresh-token',
      payload: { refreshToken: refreshed.json().refreshToken },
    });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('shows on the other node an organization deleted under its members', async () => {
    const created = await call(a, admin, 'POST', '/organizations', { name: 'Gone Soon', slug: `gone-${Date.now()}` });
    expect(created.statusCode).toBe(201);
    const organizationId = created.json().organization.id;
    const member = await loginAs(a, { roles: ['member'], organizationId });
    expect((await b.app.inject({ url: '/auth/me', headers: member.headers })).json().organizationId).toBe(organizationId);
    expect((await a.app.inject({ method: 'DELETE', url: `/organizations/${organizationId}`, headers: admin.headers })).statusCode).toBe(
      204,
    );
    expect((await meOn(b, member)).json().organizationId).toBeNull();
  });
});

describe('refresh in one statement', () => {
  it('refuses an account that may no longer hold a session without spending its token', async () => {
    const h = await createHarness({ config: { REQUIRE_EMAIL_VERIFICATION: 'true', AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    try {
      const member = await loginAs(h, { roles: ['user'] });
      const refresh = () => h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: member.refreshToken } });
      const db = h.context.database.primary;
      await db.execute(sql`UPDATE users SET email_verified_at = NULL WHERE id = ${member.userId}`);
      const refused = await refresh();
      expect(refused.statusCode).toBe(401);
      expect(refused.json().code).toBe('INVALID_REFRESH_TOKEN');
      await db.execute(sql`UPDATE users SET email_verified_at = now() WHERE id = ${member.userId}`);
      expect((await refresh()).statusCode).toBe(200);
      const reasons = await db.execute(sql`SELECT action FROM audit_logs WHERE action = 'auth.refresh_reuse_detected'`);
      expect(rowsOf(reasons)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
