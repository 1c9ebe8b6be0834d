import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, findRoleId, login, loginAs } from './helpers/auth.js';

// DESIGN's tenancy rule: an org admin of A gets, for any user of B, exactly the answer a missing user gets.
describe('tenancy: no IDOR across organizations', () => {
  let h: Harness;
  let adminA: Awaited<ReturnType<typeof loginAs>>;
  let orgA: string;
  let orgB: string;
  let userB: Awaited<ReturnType<typeof createUser>>;
  let root: Awaited<ReturnType<typeof loginAs>>;
  const missing = '01a20000-0000-7000-8000-000000000000';

  beforeAll(async () => {
    h = await createHarness({ preset: 'learning', config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    const create = (name: string) => createOrganization(h, root, name);
    orgA = await create('Acme Learning');
    orgB = await create('Béta Académie');
    adminA = await loginAs(h, {
      roles: ['ORG_ADMIN'],
      permissions: ['roles:manage', 'subscriptions:manage', 'organizations:manage'],
      organizationId: orgA,
    });
    userB = await createUser(h, { organizationId: orgB, roles: ['LEARNER'], email: 'b-user@example.com' });
    await createUser(h, { organizationId: orgA, roles: ['LEARNER'], email: 'a-user@example.com' });
    await h.app.inject({ method: 'PUT', url: `/users/${userB.id}/subscription`, headers: root.headers, payload: { type: 'PREMIUM' } });
  });
  afterAll(() => h.close());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    h.app.inject({ method, url, headers: adminA.headers, ...(payload ? { payload } : {}) });

  it('answers 404, byte for byte as for a missing user, on every read and write of a user of another organization', async () => {
    const routes = (id: string): [Parameters<typeof call>[0], string, object?][] => [
      ['GET', `/users/${id}`],
      ['GET', `/users/${id}?include=profile,roles,permissions,subscription,organization`],
      [
        'PUT',
        `/users/${id}`,
        { email: 'x@example.com', username: null, phone: null, firstName: 'X', lastName: 'Y', organizationId: orgA, userTypeId: null },
      ],
      ['PATCH', `/users/${id}`, { firstName: 'Hijacked' }],
      ['DELETE', `/users/${id}`],
      ['DELETE', `/users/${id}?hard=true`],
      ['POST', `/users/${id}/suspend`, { reason: 'x' }],
      ['POST', `/users/${id}/activate`],
      ['POST', `/users/${id}/restore`],
      ['GET', `/users/${id}/roles`],
      ['POST', `/users/${id}/roles`, { roles: ['INSTRUCTOR'] }],
      ['DELETE', `/users/${id}/roles/${missing}`],
      ['GET', `/users/${id}/permissions?explain=true`],
      ['POST', `/users/${id}/permissions`, { permissions: ['users:read'] }],
      ['DELETE', `/users/${id}/permissions/${missing}`],
      ['GET', `/users/${id}/export`],
      ['GET', `/users/${id}/sessions`],
      ['DELETE', `/users/${id}/sessions`],
      ['DELETE', `/users/${id}/sessions/${missing}`],
      ['GET', `/users/${id}/subscription`],
      ['PUT', `/users/${id}/subscription`, { type: 'FREE' }],
      ['POST', `/users/${id}/subscription/cancel`],
    ];
    const strip = (body: string) => body.replace(/"instance":"[^"]*"/, '');
    const absentRoutes = routes(missing);
    for (const [index, [method, url, payload]] of routes(userB.id).entries()) {
      const foreign = await call(method, url, payload);
      const absent = await call(method, absentRoutes[index]?.[1] as string, payload);
      expect(foreign.statusCode, `${method} ${url}`).toBe(404);
      expect(strip(foreign.body), `${method} ${url}`).toBe(strip(absent.body));
    }
    const after = await h.app.inject({ method: 'GET', url: '/auth/me', headers: adminA.headers });
    expect(after.statusCode).toBe(200);
  });

  it('lists, searches and counts only its own organization', async () => {
    const all = (await call('GET', '/users?page=1&limit=100')).json();
    expect(all.data.every((user: { organizationId: string }) => user.organizationId === orgA)).toBe(true);
    expect(all.total).toBe(all.data.length);
    expect((await call('GET', '/users?search=b-user')).json().data).toEqual([]);
    expect((await call('GET', `/users?organizationId=${orgB}`)).json().data).toEqual([]);
    expect((await call('GET', `/organizations/${orgB}/users`)).statusCode).toBe(404);
    expect((await call('GET', `/organizations/${orgA}/users`)).json().data.length).toBe(all.data.length);
  });

  it('pages organizations by name with an opaque cursor: all of them across tenants, only its own within one', async () => {
    const pageAs = (headers: Record<string, string>, cursor?: string) =>
      h.app.inject({ method: 'GET', url: `/organizations?limit=1${cursor ? `&cursor=${cursor}` : ''}`, headers });
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await pageAs(root.headers, cursor)).json();
      expect(page.data.length).toBeLessThanOrEqual(1);
      names.push(...page.data.map((org: { name: string }) => org.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(names).toEqual(expect.arrayContaining(['Acme Learning', 'Béta Académie']));
    expect(names).toEqual([...new Set(names)]);
    const own = (await pageAs(adminA.headers)).json();
    expect([own.data.map((org: { id: string }) => org.id), own.nextCursor]).toEqual([[orgA], null]);
    const forged = await pageAs(root.headers, orgB);
    expect([forged.statusCode, forged.json().code]).toEqual([400, 'INVALID_CURSOR']);
  });

  it('sees only its own organization, and cannot move users or itself elsewhere', async () => {
    expect((await call('GET', '/organizations')).json().data.map((org: { id: string }) => org.id)).toEqual([orgA]);
    expect((await call('GET', `/organizations/${orgB}`)).statusCode).toBe(404);
    expect((await call('PATCH', `/organizations/${orgB}`, { name: 'Mine now' })).statusCode).toBe(404);
    const placed = await call('POST', '/users', { email: 'placed@example.com', firstName: 'P', lastName: 'Q', organizationId: orgB });
    expect(placed.statusCode).toBe(403);
    const own = await call('POST', '/users', { email: 'own@example.com', firstName: 'O', lastName: 'W' });
    expect(own.json().user.organizationId).toBe(orgA);
    const moved = await call('PATCH', `/users/${own.json().user.id}`, { organizationId: orgB });
    expect(moved.statusCode).toBe(403);
    expect((await call('PATCH', '/users/me', { organizationId: orgB })).statusCode).toBe(403);
  });

  it('confines a token issued before its holder joined an organization to that organization at once', async () => {
    const root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    // A user admin with no organization yet: not confined, sees users of every organization.
    const drifter = await loginAs(h, { roles: ['ORG_ADMIN'], email: 'drifter@example.com' });
    expect((await h.app.inject({ method: 'GET', url: `/users/${userB.id}`, headers: drifter.headers })).statusCode).toBe(200);
    const moved = await h.app.inject({
      method: 'PATCH',
      url: `/users/${drifter.userId}`,
      headers: root.headers,
      payload: { organizationId: orgA },
    });
    expect(moved.statusCode).toBe(200);
    // The same access token (its claims still say no organization) now acts inside organization A only.
    expect((await h.app.inject({ method: 'GET', url: `/users/${userB.id}`, headers: drifter.headers })).statusCode).toBe(404);
  });

  it('reads only its own organization in the audit log', async () => {
    const rows = (await call('GET', '/audit-logs?limit=200')).json().data;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row: { organizationId: string | null }) => row.organizationId === orgA)).toBe(true);
    expect((await call('GET', `/audit-logs?entityId=${userB.id}`)).json().data).toEqual([]);
  });

  it("refuses to verify the platform's whole audit chain for a reader confined to one organization", async () => {
    // The chain is one for the platform: its counts and its first broken row are the platform's, not A's.
    const confined = await call('GET', '/audit-logs/verify');
    expect(confined.statusCode).toBe(403);
    expect(confined.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(confined.json()).toMatchObject({ code: 'CROSS_TENANT_REQUIRED' });
    expect(confined.body).not.toMatch(/checked|unsealed/);
    const across = await h.app.inject({ method: 'GET', url: '/audit-logs/verify', headers: root.headers });
    expect(across.statusCode).toBe(200);
    expect(across.json()).toMatchObject({ valid: true });
  });

  it("exports a shared member's sessions in its own organization only, not where and when they sign in to another", async () => {
    const shared = await createUser(h, { organizationId: orgB, roles: ['LEARNER'], email: 'shared-sessions@example.com' });
    const joined = await h.app.inject({
      method: 'POST',
      url: `/organizations/${orgA}/members`,
      headers: root.headers,
      payload: { userId: shared.id, roleIds: [await findRoleId(h, 'LEARNER')] },
    });
    expect(joined.statusCode).toBe(201);
    // Signed in to their default organization, B.
    const own = await login(h, shared.email, shared.password);
    const exported = (await call('GET', `/users/${shared.id}/export`)).json();
    expect(exported.sessions).toEqual([]);
    const theirs = (await h.app.inject({ method: 'GET', url: '/users/me/export', headers: own.headers })).json();
    expect(theirs.sessions).toEqual([expect.objectContaining({ organizationId: orgB })]);
  });
});
