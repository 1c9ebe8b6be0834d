import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTesseraClient } from '../clients/typescript/src/index.js';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, impersonate, login, loginAs } from './helpers/auth.js';
import { injectFetch } from './helpers/inject-fetch.js';

interface AuditRow {
  action: string;
  actor_id: string | null;
  entity_id: string | null;
  payload: Record<string, unknown> | null;
  request_id: string | null;
}

// Support acting as a user (RFC 8693 impersonation), through the typed client as an admin app would.
describe('impersonation: POST /users/:id/impersonate', () => {
  let h: Harness;
  let support: Awaited<ReturnType<typeof loginAs>>;
  let person: Awaited<ReturnType<typeof createUser>>;
  const supportPermissions = ['users:read', 'users:impersonate', 'sessions:manage', 'audit:read'];

  const clientFor = () => createTesseraClient({ baseUrl: 'http://tessera.test', fetch: injectFetch(h.app) });
  const auditRows = (action: string, entityId: string) =>
    queryRows<AuditRow>(
      h.context.database.primary,
      sql`SELECT action, actor_id, entity_id, payload, request_id FROM audit_logs WHERE action = ${action} AND entity_id = ${entityId} ORDER BY id`,
    );

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    support = await loginAs(h, { permissions: supportPermissions, email: 'support@example.com' });
    person = await createUser(h, { roles: ['user'], email: 'customer@example.com', firstName: 'Cara', lastName: 'Customer' });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await h.close();
  });

  async function signedInSupport() {
    const client = clientFor();
    const result = await client.signIn({ email: support.user.email, password: support.user.password });
    expect(result.ok).toBe(true);
    return client;
  }

  it('answers a token of at most 30 minutes for the person, with act.sub = the administrator and no refresh token', async () => {
    const client = await signedInSupport();
    const { data, response } = await client.api.POST('/users/{id}/impersonate', {
      params: { path: { id: person.id } },
      body: { reason: 'Ticket 4711: cannot see her course' },
    });
    expect(response.status).toBe(201);
    expect(data).toBeDefined();
    expect(data).not.toHaveProperty('refreshToken');
    const claims = decodeJwt(data!.accessToken);
    expect(claims.sub).toBe(person.id);
    expect(claims.act).toEqual({ sub: support.userId });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(30 * 60);
    expect(data!.expiresIn).toBeLessThanOrEqual(30 * 60);

    const me = await h.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${data!.accessToken}` } });
    expect(me.json().id).toBe(person.id);

    const started = await auditRows('auth.impersonation_started', person.id);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ actor_id: support.userId });
    expect(started[0]!.payload).toMatchObject({ impersonatorId: support.userId, reason: 'Ticket 4711: cannot see her course' });
  });

  it('audits every request made with the token with both the person and the administrator', async () => {
    const client = await signedInSupport();
    expect((await client.impersonate(person.id, 'Walk through the profile page')).ok).toBe(true);
    const before = (await auditRows('auth.impersonated_request', person.id)).length;
    const profile = await client.api.GET('/users/profile');
    expect(profile.response.status).toBe(200);
    await client.api.GET('/auth/sessions');
    const rows = (await auditRows('auth.impersonated_request', person.id)).slice(before);
    expect(rows.map((row) => row.payload?.path)).toEqual(['/users/profile', '/auth/sessions']);
    for (const row of rows) {
      expect(row.actor_id).toBe(person.id);
      expect(row.payload?.act).toEqual({ sub: support.userId });
      expect(row.request_id).toBeTruthy();
    }
    // A change made while impersonating names the administrator in its audit row too.
    const renamed = await client.api.PUT('/users/profile', { body: { firstName: 'Carla' } });
    expect(renamed.response.status).toBe(200);
    const [changed] = await queryRows<AuditRow>(
      h.context.database.primary,
      sql`SELECT action, actor_id, entity_id, payload, request_id FROM audit_logs WHERE actor_id = ${person.id} AND action NOT LIKE 'auth.%' ORDER BY id DESC LIMIT 1`,
    );
    expect(changed?.payload?.act).toEqual({ sub: support.userId });
    await client.stopImpersonating();
  });

  it('shows the person the session support opened as them, with who and why', async () => {
    const client = await signedInSupport();
    await client.impersonate(person.id, 'Check the sessions page');
    const own = await client.api.GET('/auth/sessions');
    const mine = own.data?.data.find((session) => session.current);
    expect(mine?.impersonatedBy).toEqual({ id: support.userId, reason: 'Check the sessions page' });
    await client.stopImpersonating();
  });

  it('refuses routes that change credentials or API keys while impersonating', async () => {
    const client = await signedInSupport();
    await client.impersonate(person.id, 'Try to change credentials');
    const password = await client.api.POST('/auth/change-password', {
      body: { currentPassword: person.password, newPassword: 'a brand new passphrase 42' },
    });
    expect(password.response.status).toBe(403);
    expect(password.error).toMatchObject({ code: 'IMPERSONATION_NOT_ALLOWED' });
    const key = await client.api.POST('/auth/api-keys', { body: { name: 'mine', scopes: [] } });
    expect(key.error).toMatchObject({ code: 'IMPERSONATION_NOT_ALLOWED' });
    const everywhere = await client.api.POST('/auth/logout-all');
    expect(everywhere.error).toMatchObject({ code: 'IMPERSONATION_NOT_ALLOWED' });
    await client.stopImpersonating();
  });

  // Each answer is checked against its route's declared problems (the harness fails on an undeclared one).
  it('refuses the factor, remembered-device and organization routes while impersonating, with the code each declares', async () => {
    const asPerson = await impersonate(h, support, person.id, 'Ticket 4714: sign-in methods');
    const unknown = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const attempts: ['POST' | 'DELETE', string, object?][] = [
      ['POST', '/auth/mfa/totp', {}],
      ['POST', '/auth/mfa/recovery-codes', {}],
      ['POST', '/auth/passkeys/options', {}],
      ['DELETE', `/auth/mfa/${unknown}`],
      ['DELETE', '/auth/mfa/remembered-devices'],
      ['DELETE', `/auth/mfa/remembered-devices/${unknown}`],
      ['POST', '/auth/switch-organization', { organizationId: unknown }],
    ];
    for (const [method, url, payload] of attempts) {
      const res = await h.app.inject({ method, url, headers: asPerson, ...(payload ? { payload } : {}) });
      expect([res.statusCode, res.json().code], `${method} ${url}`).toEqual([403, 'IMPERSONATION_NOT_ALLOWED']);
    }
  });

  // What one signs in or recovers with, and what only the person may give up: support neither changes nor ends them.
  it('refuses a new username or phone and leaving an organization, through every door, while impersonating', async () => {
    const root = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, root, 'Impersonated School');
    // Both hold users:write, so the person may leave through the organization's member route too.
    const helpdesk = await loginAs(h, { permissions: [...supportPermissions, 'users:write'] });
    const member = await createUser(h, { permissions: ['users:write'], username: 'member-handle', organizationId });
    const joined = await h.app.inject({
      method: 'POST',
      url: `/organizations/${organizationId}/members`,
      headers: root.headers,
      payload: { userId: member.id, roleIds: [] },
    });
    expect(joined.statusCode, joined.body).toBe(201);
    const started = await h.app.inject({
      method: 'POST',
      url: `/users/${member.id}/impersonate`,
      headers: helpdesk.headers,
      payload: { reason: 'Ticket 4712: profile' },
    });
    expect(started.statusCode, started.body).toBe(201);
    const asMember = { authorization: `Bearer ${started.json().accessToken}` };
    const send = (method: 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({ method, url, headers: asMember, ...(payload ? { payload } : {}) });
    const refused = async (method: 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
      const answer = await send(method, url, payload);
      return [answer.statusCode, answer.json().code];
    };
    const notAllowed = [403, 'IMPERSONATION_NOT_ALLOWED'];

    expect(await refused('PUT', '/users/profile', { username: 'taken-over' })).toEqual(notAllowed);
    expect(await refused('PUT', '/users/profile', { phone: '+14155550193' })).toEqual(notAllowed);
    expect(await refused('PATCH', '/users/me', { username: 'taken-over' })).toEqual(notAllowed);
    expect(await refused('PATCH', '/users/me', { phone: '+14155550193' })).toEqual(notAllowed);
    expect(await refused('PATCH', `/users/${member.id}`, { username: null })).toEqual(notAllowed);
    expect(await refused('DELETE', `/users/me/organizations/${organizationId}`)).toEqual(notAllowed);
    expect(await refused('DELETE', `/organizations/${organizationId}/members/me`)).toEqual(notAllowed);
    // The fields as they are, sent along with another change, change nothing one signs in with.
    const unchanged = await send('PATCH', '/users/me', { firstName: 'Still', username: 'member-handle', phone: null });
    expect(unchanged.statusCode, unchanged.body).toBe(200);

    const [after] = await queryRows<{ username: string; phone: string | null; memberships: number }>(
      h.context.database.primary,
      sql`SELECT username, phone, (SELECT count(*)::int FROM organization_memberships WHERE user_id = ${member.id}) AS memberships
        FROM users WHERE id = ${member.id}`,
    );
    expect(after).toEqual({ username: 'member-handle', phone: null, memberships: 1 });
  });

  it('refuses a super-admin, anyone holding more, oneself, callers without the permission and API keys', async () => {
    const client = await signedInSupport();
    const impersonate = (id: string) =>
      client.api.POST('/users/{id}/impersonate', { params: { path: { id } }, body: { reason: 'Looking' } });
    const superAdmin = await createUser(h, { roles: ['admin'] });
    expect((await impersonate(superAdmin.id)).error).toMatchObject({ code: 'ACCOUNT_HOLDS_MORE_ACCESS' });
    // Not even by another super-admin, who may otherwise act on any account.
    const root = await loginAs(h, { roles: ['admin'] });
    const byRoot = await h.app.inject({
      method: 'POST',
      url: `/users/${superAdmin.id}/impersonate`,
      headers: root.headers,
      payload: { reason: 'Looking' },
    });
    expect(byRoot.json()).toMatchObject({ status: 403, code: 'IMPERSONATION_REFUSED' });
    const roleManager = await createUser(h, { permissions: ['roles:manage'] });
    expect((await impersonate(roleManager.id)).error).toMatchObject({ code: 'ACCOUNT_HOLDS_MORE_ACCESS' });
    expect((await impersonate(support.userId)).error).toMatchObject({ code: 'IMPERSONATION_REFUSED' });
    const suspended = await createUser(h, { status: 'SUSPENDED' });
    expect((await impersonate(suspended.id)).error).toMatchObject({ code: 'IMPERSONATION_REFUSED' });

    const reader = await loginAs(h, { permissions: ['users:read'] });
    const refused = await h.app.inject({
      method: 'POST',
      url: `/users/${person.id}/impersonate`,
      headers: reader.headers,
      payload: { reason: 'Looking' },
    });
    expect(refused.statusCode).toBe(403);

    const key = await client.api.POST('/auth/api-keys', { body: { name: 'support key', scopes: ['users:read', 'users:impersonate'] } });
    const withKey = await h.app.inject({
      method: 'POST',
      url: `/users/${person.id}/impersonate`,
      headers: { 'x-api-key': key.data!.key },
      payload: { reason: 'Looking' },
    });
    expect(withKey.statusCode).toBe(403);
    expect(withKey.json().code).toBe('IMPERSONATION_REFUSED');

    // An impersonation token never starts another one, even for a person who holds the permission.
    const colleague = await createUser(h, { permissions: supportPermissions });
    await client.impersonate(colleague.id, 'Nested');
    expect((await impersonate(person.id)).error).toMatchObject({ code: 'IMPERSONATION_REFUSED' });
    await client.stopImpersonating();
  });

  it('stops: the impersonation session ends and the client is the administrator again', async () => {
    const client = await signedInSupport();
    await client.impersonate(person.id, 'Short look');
    const token = (await client.api.GET('/auth/me')).response.headers;
    expect(token).toBeDefined();
    const sessionId = client.impersonation!.sessionId;
    await client.stopImpersonating();
    expect(client.impersonation).toBeUndefined();
    expect((await client.api.GET('/auth/me')).data?.id).toBe(support.userId);
    const [session] = await queryRows<{ revoked_at: Date | null }>(
      h.context.database.primary,
      sql`SELECT revoked_at FROM sessions WHERE id = ${sessionId}`,
    );
    expect(session?.revoked_at).not.toBeNull();
  });

  it('ends the impersonations of an administrator who is suspended, deactivated or erased', async () => {
    const root = await loginAs(h, { roles: ['admin'] });
    const own = await login(h, person.email, person.password);
    for (const [method, end] of [
      ['POST', (id: string) => `/users/${id}/suspend`],
      ['DELETE', (id: string) => `/users/${id}`],
      ['DELETE', (id: string) => `/users/${id}?hard=true`],
    ] as const) {
      const agent = await loginAs(h, { permissions: supportPermissions });
      const headers = await impersonate(h, agent, person.id, 'Ticket 4712: before the agent leaves');
      const me = () => h.app.inject({ method: 'GET', url: '/auth/me', headers });
      expect((await me()).json().id).toBe(person.id);
      const ended = await h.app.inject({ method, url: end(agent.userId), headers: root.headers });
      expect(ended.statusCode, ended.body).toBeLessThan(300);
      const refused = await me();
      expect([refused.statusCode, refused.json().code], `${method} ${end(agent.userId)}`).toEqual([401, 'SESSION_ENDED']);
    }
    // The person's own session is untouched.
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: own.headers })).statusCode).toBe(200);
  });

  it('refuses the token once its 30 minutes have passed (driven clock)', async () => {
    const client = await signedInSupport();
    const { data } = await client.api.POST('/users/{id}/impersonate', { params: { path: { id: person.id } }, body: { reason: 'Clock' } });
    const headers = { authorization: `Bearer ${data!.accessToken}` };
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers })).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 29 * 60_000 });
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers })).statusCode).toBe(200);
    vi.setSystemTime(Date.now() + 2 * 60_000);
    const expired = await h.app.inject({ method: 'GET', url: '/auth/me', headers });
    expect(expired.statusCode).toBe(401);
  });
});
