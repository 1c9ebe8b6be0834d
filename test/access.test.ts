import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { createUser, loginAs } from './helpers/auth.js';

describe('roles, permissions, user types and grants', () => {
  let h: Harness;
  let root: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    h = await createHarness({ preset: 'learning', config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
  });
  afterAll(() => h.close());

  const call = (
    session: { headers: Record<string, string> },
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ) => h.app.inject({ method, url, headers: session.headers, ...(payload ? { payload } : {}) });
  const audited = (action: string, entityId: string) =>
    queryRows<{ payload: unknown }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE action = ${action} AND entity_id = ${entityId}`,
    );

  it('creates, edits and deletes roles; refuses to delete system roles', async () => {
    const created = await call(root, 'POST', '/roles', {
      name: 'support',
      description: 'Helps users',
      permissions: ['users:read', 'audit:read'],
    });
    expect(created.statusCode).toBe(201);
    const role = created.json();
    expect(role).toMatchObject({ name: 'support', isSystem: false, permissions: ['audit:read', 'users:read'] });
    expect((await call(root, 'GET', `/roles/${role.id}`)).json().permissions).toEqual(['audit:read', 'users:read']);
    const set = await call(root, 'PUT', `/roles/${role.id}/permissions`, { permissions: ['users:read'] });
    expect(set.json().permissions).toEqual(['users:read']);
    expect((await call(root, 'PATCH', `/roles/${role.id}`, { description: 'First line' })).json().description).toBe('First line');
    expect((await call(root, 'POST', '/roles', { name: 'support', permissions: [] })).statusCode).toBe(409);
    expect((await call(root, 'POST', '/roles', { name: 'ghost', permissions: ['nope:nope'] })).json().code).toBe('UNKNOWN_PERMISSION');

    const learner = (await call(root, 'GET', '/roles')).json().data.find((entry: { name: string }) => entry.name === 'LEARNER');
    const refused = await call(root, 'DELETE', `/roles/${learner.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('SYSTEM_ROLE');
    expect((await call(root, 'DELETE', `/roles/${role.id}`)).statusCode).toBe(204);
    expect((await call(root, 'GET', `/roles/${role.id}`)).statusCode).toBe(404);
  });

  it('manages permissions and user types', async () => {
    const permission = await call(root, 'POST', '/permissions', { name: 'courses:publish', description: 'Publish courses' });
    expect(permission.statusCode).toBe(201);
    expect((await call(root, 'GET', '/permissions')).json().data.map((entry: { name: string }) => entry.name)).toContain('courses:publish');
    expect((await call(root, 'PATCH', `/permissions/${permission.json().id}`, { description: 'Publish' })).json().description).toBe(
      'Publish',
    );
    expect((await call(root, 'POST', '/permissions', { name: 'Not A Permission' })).statusCode).toBe(400);
    const builtIn = (await call(root, 'GET', '/permissions')).json().data.find((entry: { name: string }) => entry.name === 'users:read');
    expect((await call(root, 'DELETE', `/permissions/${builtIn.id}`)).json().code).toBe('BUILT_IN_PERMISSION');
    expect((await call(root, 'DELETE', `/permissions/${permission.json().id}`)).statusCode).toBe(204);

    const type = await call(root, 'POST', '/user-types', { name: 'STUDENT', description: 'Enrolled' });
    expect(type.statusCode).toBe(201);
    expect((await call(root, 'PATCH', `/user-types/${type.json().id}`, { description: 'Enrolled student' })).json().description).toBe(
      'Enrolled student',
    );
    expect((await call(root, 'GET', '/user-types')).json().data.map((entry: { name: string }) => entry.name)).toContain('STUDENT');
    expect((await call(root, 'DELETE', `/user-types/${type.json().id}`)).statusCode).toBe(204);
  });

  it('grants and revokes roles and direct permissions, with expiry and an explanation', async () => {
    const user = await createUser(h);
    expect(
      (await call(root, 'POST', `/users/${user.id}/roles`, { roles: ['INSTRUCTOR'] }))
        .json()
        .data.map((role: { name: string }) => role.name),
    ).toEqual(['INSTRUCTOR']);
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await call(root, 'POST', `/users/${user.id}/permissions`, { permissions: ['audit:read', 'users:read'], expiresAt: soon }))
        .statusCode,
    ).toBe(204);

    const explained = (await call(root, 'GET', `/users/${user.id}/permissions?explain=true`)).json();
    expect(explained.data).toEqual(['audit:read', 'learning:manage', 'learning:read', 'users:read']);
    const why = Object.fromEntries(
      explained.explain.map((entry: { permission: string; sources: unknown[] }) => [entry.permission, entry.sources]),
    );
    expect(why['audit:read']).toEqual([{ kind: 'direct', expiresAt: expect.any(String) }]);
    expect(why['users:read']).toEqual([
      { kind: 'role', role: 'INSTRUCTOR' },
      { kind: 'direct', expiresAt: expect.any(String) },
    ]);
    expect(why['learning:read']).toEqual([{ kind: 'role', role: 'INSTRUCTOR' }]);

    const auditRead = explained.direct.find((grant: { name: string }) => grant.name === 'audit:read');
    expect((await call(root, 'DELETE', `/users/${user.id}/permissions/${auditRead.id}`)).statusCode).toBe(204);
    const instructor = (await call(root, 'GET', `/users/${user.id}/roles`)).json().data[0];
    expect((await call(root, 'DELETE', `/users/${user.id}/roles/${instructor.id}`)).statusCode).toBe(204);
    expect((await call(root, 'GET', `/users/${user.id}/permissions`)).json().data).toEqual(['users:read']);
    expect(
      (await call(root, 'POST', `/users/${user.id}/permissions`, { permissions: ['users:read'], expiresAt: '2001-01-01T00:00:00Z' })).json()
        .code,
    ).toBe('INVALID_EXPIRY');
  });

  it("puts a deployment's own permissions in force: through roles and grants, in /auth/me, the explanation and API keys", async () => {
    for (const name of ['reports:read', 'reports:export', 'reports:delete']) {
      expect((await call(root, 'POST', '/permissions', { name })).statusCode).toBe(201);
    }
    const reader = await call(root, 'POST', '/roles', { name: 'report-reader', permissions: ['reports:read', 'users:read'] });
    expect(reader.statusCode).toBe(201);
    const person = await loginAs(h);
    expect((await call(root, 'POST', `/users/${person.userId}/roles`, { roles: ['report-reader'] })).statusCode).toBe(200);
    expect((await call(root, 'POST', `/users/${person.userId}/permissions`, { permissions: ['reports:export'] })).statusCode).toBe(204);

    const me = (await call(person, 'GET', '/auth/me')).json();
    expect(me.permissions).toEqual(expect.arrayContaining(['reports:export', 'reports:read', 'users:read']));
    expect(me.permissions).not.toContain('reports:delete');
    const explained = (await call(root, 'GET', `/users/${person.userId}/permissions?explain=true`)).json();
    expect(explained.data).toEqual(expect.arrayContaining(['reports:export', 'reports:read']));
    const why = Object.fromEntries(
      explained.explain.map((entry: { permission: string; sources: unknown[] }) => [entry.permission, entry.sources]),
    );
    expect(why['reports:read']).toEqual([{ kind: 'role', role: 'report-reader' }]);
    expect(why['reports:export']).toEqual([{ kind: 'direct', expiresAt: null }]);
    // Which roles give a permission: the other way round from a role's list.
    const givers = (await call(root, 'GET', '/roles?permission=reports:read')).json().data;
    expect(givers.map((role: { name: string }) => role.name)).toEqual(['report-reader']);
    expect((await call(root, 'GET', '/roles?permission=reports:nothing')).json().data).toEqual([]);

    // A key may carry a custom permission its owner holds, and then carries only that.
    const key = await call(person, 'POST', '/auth/api-keys', { name: 'reports', scopes: ['reports:read'] });
    expect(key.statusCode).toBe(201);
    const asKey = await h.app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': key.json().key } });
    expect(asKey.json().permissions).toEqual(['reports:read']);
    // One that exists but is not held reads as one that does not exist: scopes do not probe the catalogue.
    for (const scope of ['reports:delete', 'reports:nothing']) {
      const refused = await call(person, 'POST', '/auth/api-keys', { name: 'probe', scopes: [scope] });
      expect([refused.statusCode, refused.json().code, refused.json().detail]).toEqual([
        400,
        'UNKNOWN_PERMISSION',
        `Unknown permission: ${scope}.`,
      ]);
    }
    // Granted anew, it is in force from the next request; revoked, gone from the next.
    expect((await call(root, 'POST', `/users/${person.userId}/permissions`, { permissions: ['reports:delete'] })).statusCode).toBe(204);
    expect((await call(person, 'GET', '/auth/me')).json().permissions).toContain('reports:delete');
    const grant = (await call(root, 'GET', `/users/${person.userId}/permissions`))
      .json()
      .direct.find((entry: { name: string }) => entry.name === 'reports:delete');
    expect((await call(root, 'DELETE', `/users/${person.userId}/permissions/${grant.id}`)).statusCode).toBe(204);
    expect((await call(person, 'GET', '/auth/me')).json().permissions).not.toContain('reports:delete');
  });

  it('audits what a grant changed, once: 50 parallel grants of one role are one row; the same grant again is none', async () => {
    const user = await createUser(h);
    const grants = await Promise.all(
      Array.from({ length: 50 }, () => call(root, 'POST', `/users/${user.id}/roles`, { roles: ['INSTRUCTOR'] })),
    );
    expect(grants.map((res) => res.statusCode)).toEqual(grants.map(() => 200));
    expect(await audited('user.roles_granted', user.id)).toEqual([{ payload: { roles: ['INSTRUCTOR'] } }]);

    const until = new Date(Date.now() + 3_600_000).toISOString();
    for (let i = 0; i < 2; i++) {
      const res = await call(root, 'POST', `/users/${user.id}/permissions`, { permissions: ['audit:read'], expiresAt: until });
      expect(res.statusCode).toBe(204);
    }
    expect(await audited('user.permissions_granted', user.id)).toHaveLength(1);
    // A new expiry is a change.
    expect((await call(root, 'POST', `/users/${user.id}/permissions`, { permissions: ['audit:read'] })).statusCode).toBe(204);
    expect(await audited('user.permissions_granted', user.id)).toHaveLength(2);
  });

  it('answers 404 to a PATCH that loses the race to a DELETE of its role, and records no change after the delete', async () => {
    const role = (await call(root, 'POST', '/roles', { name: 'short-lived', permissions: [] })).json();
    // The delete holds the row while the PATCH reads it and waits to update it; then the delete commits.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let deleted = () => {};
    const rowDeleted = new Promise<void>((resolve) => {
      deleted = resolve;
    });
    const deleting = h.context.database.primary.transaction(async (tx) => {
      await tx.execute(sql`DELETE FROM roles WHERE id = ${role.id}`);
      deleted();
      await held;
    });
    await rowDeleted;
    const patched = call(root, 'PATCH', `/roles/${role.id}`, { description: 'too late' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await deleting;
    const res = await patched;
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('ROLE_NOT_FOUND');
    expect(await audited('role.updated', role.id)).toEqual([]);
  });

  it('records a role edit that changes nothing as nothing', async () => {
    const role = (await call(root, 'POST', '/roles', { name: 'steady', description: 'Same', permissions: ['users:read'] })).json();
    expect((await call(root, 'PATCH', `/roles/${role.id}`, { description: 'Same' })).statusCode).toBe(200);
    expect((await call(root, 'PUT', `/roles/${role.id}/permissions`, { permissions: ['users:read'] })).statusCode).toBe(200);
    expect(await audited('role.updated', role.id)).toEqual([]);
    expect(await audited('role.permissions_set', role.id)).toEqual([]);
    await call(root, 'PATCH', `/roles/${role.id}`, { description: 'Changed' });
    expect(await audited('role.updated', role.id)).toEqual([
      { payload: { before: { description: 'Same' }, after: { description: 'Changed' } } },
    ]);
  });

  it('lets an expired direct grant lapse by itself', async () => {
    const user = await loginAs(h);
    // Seconds ahead, so a loaded machine still uses it before it lapses; then waited out.
    const expiresAt = Date.now() + 3000;
    await call(root, 'POST', `/users/${user.userId}/permissions`, {
      permissions: ['audit:read'],
      expiresAt: new Date(expiresAt).toISOString(),
    });
    expect((await call(user, 'GET', '/audit-logs')).statusCode).toBe(200);
    // No invalidation: the cached profile itself ends when its first temporary grant does.
    await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 100));
    expect((await call(user, 'GET', '/audit-logs')).statusCode).toBe(403);
  });

  it('stops anyone granting what they do not hold', async () => {
    const orgAdmin = await loginAs(h, { roles: ['ORG_ADMIN'], permissions: ['roles:manage'] });
    const victim = await createUser(h);
    const escalations = [
      call(orgAdmin, 'POST', `/users/${orgAdmin.userId}/roles`, { roles: ['SUPER_ADMIN'] }),
      call(orgAdmin, 'POST', `/users/${victim.id}/roles`, { roles: ['SUPER_ADMIN'] }),
      call(orgAdmin, 'POST', `/users/me/permissions`, { permissions: ['tenants:all'] }),
      call(orgAdmin, 'POST', `/users/${victim.id}/permissions`, { permissions: ['organizations:manage'] }),
    ];
    for (const res of await Promise.all(escalations)) {
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('GRANT_EXCEEDS_OWN_ACCESS');
    }
    // Roles are shared by every organization: one who does not act across them makes none.
    const sneaky = await call(orgAdmin, 'POST', '/roles', { name: 'sneaky', permissions: ['tenants:all'] });
    expect([sneaky.statusCode, sneaky.json().code]).toEqual([403, 'SHARED_ROLE']);
    const allowed = await call(orgAdmin, 'POST', `/users/${victim.id}/roles`, { roles: ['INSTRUCTOR'] });
    expect(allowed.statusCode).toBe(200);
    const ownRole = (await call(root, 'GET', '/roles')).json().data.find((role: { name: string }) => role.name === 'ORG_ADMIN');
    const widen = await call(orgAdmin, 'PUT', `/roles/${ownRole.id}/permissions`, { permissions: [...ownRole.permissions, 'tenants:all'] });
    expect(widen.statusCode).toBe(403);
  });

  it('drops revoked permissions from the very next request, on this node and on another sharing Redis', async () => {
    const peer = process.env.REDIS_URL ? await createPeer(h) : undefined;
    try {
      const user = await loginAs(h, { roles: ['ORG_ADMIN'] });
      const nodes = [h, ...(peer ? [peer] : [])];
      for (const node of nodes)
        expect((await node.app.inject({ method: 'GET', url: '/users', headers: user.headers })).statusCode).toBe(200);
      const role = (await call(root, 'GET', `/users/${user.userId}/roles`)).json().data[0];
      expect((await call(root, 'DELETE', `/users/${user.userId}/roles/${role.id}`)).statusCode).toBe(204);
      // The revocation answered once every node had dropped its copy: the peer refuses at once too.
      for (const node of nodes)
        expect((await node.app.inject({ method: 'GET', url: '/users', headers: user.headers })).statusCode).toBe(403);

      // A role edit reaches every holder of the role, on every node.
      const holder = await loginAs(h, { roles: ['INSTRUCTOR'] });
      for (const node of nodes)
        expect((await node.app.inject({ method: 'GET', url: '/users', headers: holder.headers })).statusCode).toBe(200);
      const instructor = (await call(root, 'GET', '/roles')).json().data.find((entry: { name: string }) => entry.name === 'INSTRUCTOR');
      await call(root, 'PUT', `/roles/${instructor.id}/permissions`, { permissions: ['learning:read'] });
      expect((await h.app.inject({ method: 'GET', url: '/users', headers: holder.headers })).statusCode).toBe(403);
      if (peer) {
        let status = 200;
        for (let attempt = 0; attempt < 20 && status === 200; attempt++) {
          status = (await peer.app.inject({ method: 'GET', url: '/users', headers: holder.headers })).statusCode;
          if (status === 200) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(status).toBe(403);
      }
    } finally {
      await peer?.close();
    }
  });
});
