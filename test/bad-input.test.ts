import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { Harness } from './helpers/app.js';
import { harnessWithAdmin, type loginAs } from './helpers/auth.js';

// Every endpoint that takes input answers bad input with 400 problem+json, and writes nothing.
describe('bad input on every endpoint that takes some', () => {
  let h: Harness;
  let root: Awaited<ReturnType<typeof loginAs>>;
  beforeAll(async () => {
    ({ h, admin: root } = await harnessWithAdmin());
  });
  afterAll(() => h.close());

  const id = '01a20000-0000-7000-8000-000000000000';
  const cases: [string, string, unknown][] = [
    ['POST', '/auth/register', { email: 'not-an-email', password: 'long enough passphrase' }],
    ['POST', '/auth/login', { email: 'a@example.com' }],
    ['POST', '/auth/refresh-token', { refreshToken: 42 }],
    ['POST', '/auth/forgot-password', { email: ['a@example.com'] }],
    ['POST', '/auth/reset-password', { token: 'short', password: 'long enough passphrase' }],
    ['POST', '/auth/verify-email', {}],
    ['POST', '/auth/resend-verification', { email: '' }],
    ['POST', '/auth/change-password', { currentPassword: 'x' }],
    ['POST', '/auth/api-keys', { name: '', scopes: [] }],
    ['DELETE', '/auth/api-keys/not-a-uuid', undefined],
    ['DELETE', '/auth/sessions/not-a-uuid', undefined],
    ['GET', '/users?limit=0', undefined],
    ['GET', '/users?sort=password', undefined],
    ['GET', '/users?status=DELETED', undefined],
    ['GET', '/users/check-email?email=nope', undefined],
    ['POST', '/users', { email: 'ok@example.com', passwordHash: 'x' }],
    ['GET', '/users/not-a-uuid', undefined],
    ['GET', `/users/${id}?include=password`, undefined],
    ['PUT', `/users/${id}`, { email: 'ok@example.com' }],
    ['PATCH', `/users/${id}`, { phone: '12345' }],
    ['PATCH', `/users/${id}`, {}],
    ['POST', `/users/${id}/suspend`, { reason: '' }],
    ['PUT', '/users/profile', { profile: { timezone: '../../etc' } }],
    ['POST', `/users/${id}/roles`, { roles: [] }],
    ['POST', `/users/${id}/permissions`, { permissions: ['users:read'], expiresAt: 'tomorrow' }],
    ['POST', '/roles', { name: '1bad name', permissions: [] }],
    ['PATCH', `/roles/${id}`, {}],
    ['PUT', `/roles/${id}/permissions`, { permissions: 'users:read' }],
    ['POST', '/permissions', { name: 'NoColon' }],
    ['POST', '/user-types', { name: '' }],
    ['PATCH', `/user-types/${id}`, {}],
    ['POST', '/organizations', { name: 'Ok', slug: 'Not A Slug' }],
    ['PATCH', `/organizations/${id}`, { status: 'GONE' }],
    ['PUT', `/users/${id}/subscription`, { type: 'lowercase' }],
    ['GET', '/audit-logs?cursor=abc', undefined],
    ['GET', '/audit-logs?limit=1000', undefined],
    // RFC 3339 forms no Date holds (a leap second, an hour-only offset) and PostgreSQL's missing year 0.
    ['PUT', `/users/${id}/subscription`, { type: 'PRO', startDate: '2030-06-30T23:59:60Z' }],
    ['POST', '/auth/api-keys', { name: 'leap', scopes: ['users:read'], expiresAt: '2030-06-30T23:59:60Z' }],
    ['POST', `/users/${id}/permissions`, { permissions: ['users:read'], expiresAt: '2030-06-30T12:00:00+01' }],
    [
      'POST',
      `/organizations/${id}/invitations`,
      { email: 'a@example.com', permissions: [{ permission: 'users:read', expiresAt: '2030-06-30T23:59:60Z' }] },
    ],
    ['GET', '/audit-logs?from=2030-06-30T23:59:60Z', undefined],
    ['GET', '/users?createdFrom=0000-01-01T00:00:00Z', undefined],
    ['PUT', '/users/profile', { profile: { dateOfBirth: '0000-01-01' } }],
    ['PUT', '/users/profile', { profile: { dateOfBirth: '2999-01-01' } }],
    // A query parameter a route does not declare, on routes that declare none: refused as on those that declare some.
    ['GET', '/auth/me?expand=roles', undefined],
    ['GET', `/roles/${id}?include=users`, undefined],
    ['POST', '/auth/change-password?dryRun=true', { currentPassword: 'a current passphrase', newPassword: 'a next passphrase' }],
  ];

  it.each(cases)('%s %s → 400 problem+json, nothing written', async (method, url, payload) => {
    const count = async () =>
      (await queryRows<{ n: number }>(h.context.database.primary, sql`SELECT count(*)::int AS n FROM audit_logs`))[0]?.n;
    const before = await count();
    const res = await h.app.inject({
      method: method as 'GET',
      url,
      headers: root.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, code: expect.stringMatching(/^[A-Z_]+$/) });
    expect(await count()).toBe(before);
  });

  it('names a query parameter the route does not take, on a route that takes none', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/health/live?verbose=1' });
    expect([res.statusCode, res.json().code, res.json().errors]).toEqual([
      400,
      'FIELD_NOT_ALLOWED',
      [{ path: '/verbose', message: 'cannot be set here' }],
    ]);
    expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});
