import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { userIdentities, users } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, findRoleId, login, loginAs } from './helpers/auth.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Signed = { headers: Record<string, string> };

/**
 * The same rule through every door: what a session may not do, an API key, an import line, a status route or a
 * change of organization may not do either.
 */
describe('authorization through every door', () => {
  let h: Harness;
  let root: Awaited<ReturnType<typeof loginAs>>;
  let orgA: string;
  let orgB: string;
  const password = 'a member passphrase 42';

  beforeAll(async () => {
    h = await createHarness({
      preset: 'learning',
      config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    orgA = await createOrganization(h, root, 'Alpha Doors');
    orgB = await createOrganization(h, root, 'Beta Doors');
  });
  afterAll(() => h.close());

  const call = (signed: Signed, method: Method, url: string, payload?: object) =>
    h.app.inject({ method, url, headers: signed.headers, ...(payload ? { payload } : {}) });
  /** A person made through POST /users, who then confirmed their address (API keys are made only on a confirmed one). */
  const makeUser = async (body: object) => {
    const res = await call(root, 'POST', '/users', { firstName: 'Door', lastName: 'Test', password, ...body });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json().user as { id: string; email: string };
    await h.context.database.primary.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, user.id));
    return user;
  };
  const statusOf = async (id: string) => (await call(root, 'GET', `/users/${id}`)).json().status as string;
  const keyOf = async (signed: Signed, scopes: string[]) => {
    const created = await call(signed, 'POST', '/auth/api-keys', { name: 'door key', scopes });
    expect(created.statusCode, created.body).toBe(201);
    return { headers: { 'x-api-key': created.json().key as string } };
  };
  const importAs = (signed: Signed, lines: object[], query = '?update=true') =>
    h.app.inject({
      method: 'POST',
      url: `/users/import${query}`,
      headers: { ...signed.headers, 'content-type': 'application/x-ndjson' },
      payload: `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
    });

  it("an API key holds no organization role while its owner's membership there is suspended, as a session does not", async () => {
    const member = await makeUser({ email: 'keyholder@doors.example', organizationId: orgA, roles: ['ORG_ADMIN'] });
    // Not the organization's last administrator, whose membership cannot be suspended.
    await makeUser({ email: 'second-admin@doors.example', organizationId: orgA, roles: ['ORG_ADMIN'] });
    const key = await keyOf(await login(h, member.email, password), ['users:read']);
    expect((await call(key, 'GET', '/users')).statusCode).toBe(200);

    const suspended = await call(root, 'PATCH', `/organizations/${orgA}/members/${member.id}`, { status: 'SUSPENDED' });
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect((await call(await login(h, member.email, password), 'GET', '/users')).statusCode).toBe(403);
    expect((await call(key, 'GET', '/users')).statusCode).toBe(403);

    expect((await call(root, 'PATCH', `/organizations/${orgA}/members/${member.id}`, { status: 'ACTIVE' })).statusCode).toBe(200);
    expect((await call(key, 'GET', '/users')).statusCode).toBe(200);
  });

  it('lifting a suspension does not restore a deactivated user, and a restore does not lift a suspension', async () => {
    const suspender = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:suspend'] });
    const deleter = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:delete'] });
    const deleted = await createUser(h, { organizationId: orgA });
    const suspended = await createUser(h, { organizationId: orgA });
    expect((await call(root, 'DELETE', `/users/${deleted.id}`)).statusCode).toBe(204);
    expect((await call(root, 'POST', `/users/${suspended.id}/suspend`, { reason: 'fraud' })).statusCode).toBe(200);

    const activated = await call(suspender, 'POST', `/users/${deleted.id}/activate`, {});
    expect([activated.statusCode, activated.json().code]).toEqual([409, 'USER_STATUS_CONFLICT']);
    const resuspended = await call(suspender, 'POST', `/users/${deleted.id}/suspend`, {});
    expect([resuspended.statusCode, resuspended.json().code]).toEqual([409, 'USER_STATUS_CONFLICT']);
    const restored = await call(deleter, 'POST', `/users/${suspended.id}/restore`, {});
    expect([restored.statusCode, restored.json().code]).toEqual([409, 'USER_STATUS_CONFLICT']);
    expect(await statusOf(deleted.id)).toBe('INACTIVE');
    expect(await statusOf(suspended.id)).toBe('SUSPENDED');

    // Each undoes its own act.
    expect((await call(deleter, 'POST', `/users/${deleted.id}/restore`, {})).json().status).toBe('ACTIVE');
    expect((await call(suspender, 'POST', `/users/${suspended.id}/activate`, {})).json().status).toBe('ACTIVE');
  });

  it('an import changes a status only with the permission the status routes ask, and a line naming none keeps it', async () => {
    const writer = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:write'] });
    const active = await createUser(h, { organizationId: orgA });
    const suspended = await createUser(h, { organizationId: orgA, status: 'SUSPENDED' });
    const deactivated = await createUser(h, { organizationId: orgA, status: 'INACTIVE' });

    const refused = await importAs(writer, [
      { email: active.email, status: 'SUSPENDED' },
      { email: suspended.email, status: 'ACTIVE' },
      { email: deactivated.email, status: 'ACTIVE' },
    ]);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().errors).toEqual([
      { path: 'line 1: email', message: "changing this user's status from ACTIVE to SUSPENDED needs users:suspend" },
      { path: 'line 2: email', message: "changing this user's status from SUSPENDED to ACTIVE needs users:suspend" },
      { path: 'line 3: email', message: "changing this user's status from INACTIVE to ACTIVE needs users:delete" },
    ]);

    const kept = await importAs(writer, [
      { email: suspended.email, firstName: 'Still' },
      { email: deactivated.email, firstName: 'Gone' },
    ]);
    expect(kept.json(), kept.body).toMatchObject({ updated: 2 });
    expect(await statusOf(suspended.id)).toBe('SUSPENDED');
    expect(await statusOf(deactivated.id)).toBe('INACTIVE');

    // With the permission, the change is made and recorded as the status route records it.
    const suspender = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:write', 'users:suspend'] });
    expect((await importAs(suspender, [{ email: suspended.email, status: 'ACTIVE' }])).json()).toMatchObject({ updated: 1 });
    expect(await statusOf(suspended.id)).toBe('ACTIVE');
    const trail = await call(root, 'GET', `/audit-logs?entityId=${suspended.id}`);
    expect(trail.json().data.map((row: { action: string }) => row.action)).toContain('user.activated');
  });

  it("an organization's administrator imports addresses unverified; the system and a cross-tenant administrator may say verified", async () => {
    const writer = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:write'] });
    const refused = await importAs(writer, [{ email: 'claimed@doors.example', emailVerified: true }], '');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors).toEqual([
      { path: 'line 1: emailVerified', message: 'only an administrator acting across organizations imports an address as verified' },
    ]);
    expect((await importAs(writer, [{ email: 'plain@doors.example' }], '')).json()).toMatchObject({ created: 1 });
    expect((await importAs(root, [{ email: 'vouched@doors.example' }], '')).json()).toMatchObject({ created: 1 });
    const verified = async (email: string) => (await call(root, 'GET', `/users?email=${email}`)).json().data[0].emailVerified;
    expect(await verified('plain@doors.example')).toBe(false);
    expect(await verified('vouched@doors.example')).toBe(true);
  });

  it("a user's linked identity is removed in a signed-in session only, and one's own keeps its last way in", async () => {
    const admin = await makeUser({ email: 'identity-admin@doors.example', organizationId: orgA, roles: ['ORG_ADMIN'] });
    const session = await login(h, admin.email, password);
    const key = await keyOf(session, ['users:read', 'users:write']);
    const target = await createUser(h, { organizationId: orgA });
    const link = async (userId: string, subject: string) => {
      const [row] = await h.context.database.primary
        .insert(userIdentities)
        .values({ userId, provider: 'google', subject, email: 'linked@doors.example', emailVerified: true })
        .returning();
      return row?.id as string;
    };
    const identity = await link(target.id, `door-${target.id}`);
    const byKey = await call(key, 'DELETE', `/users/${target.id}/identities/${identity}`);
    expect([byKey.statusCode, byKey.json().code]).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    expect((await call(session, 'DELETE', `/users/${target.id}/identities/${identity}`)).statusCode).toBe(204);

    // An administrator without a password, signed in by their one identity, cannot unlink it through /users/me.
    const federatedOnly = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:write'] });
    const own = await link(federatedOnly.userId, `door-self-${federatedOnly.userId}`);
    await h.context.database.primary.execute(sql`UPDATE users SET password_hash = NULL WHERE id = ${federatedOnly.userId}`);
    const last = await call(federatedOnly, 'DELETE', `/users/me/identities/${own}`);
    expect([last.statusCode, last.json().code]).toEqual([409, 'LAST_SIGN_IN_METHOD']);
  });

  it("an organization's administrator neither describes nor moves a member whose default organization is another", async () => {
    const admin = await makeUser({ email: 'mover@doors.example', organizationId: orgA, roles: ['ORG_ADMIN'] });
    const person = await makeUser({ email: 'stays-in-b@doors.example', organizationId: orgB });
    expect((await call(root, 'POST', `/organizations/${orgA}/members`, { userId: person.id })).statusCode).toBe(201);
    const session = await login(h, admin.email, password);

    // Nor do they read what that other organization is called.
    const seen = (await call(session, 'GET', `/users/${person.id}?include=organization`)).json();
    expect([seen.organizationId, seen.organization]).toEqual([orgB, null]);
    const moved = await call(session, 'PATCH', `/users/${person.id}`, { organizationId: orgA });
    expect([moved.statusCode, moved.json().code]).toEqual([403, 'ORGANIZATION_NOT_ALLOWED']);
    expect((await call(root, 'GET', `/users/${person.id}`)).json().organizationId).toBe(orgB);
    // Their other fields stay theirs to change.
    expect((await call(session, 'PATCH', `/users/${person.id}`, { firstName: 'Renamed' })).statusCode).toBe(200);
  });

  it("an organization's administrator revokes a role held within their organization, not one held platform-wide", async () => {
    const session = await loginAs(h, { roles: ['ORG_ADMIN'], permissions: ['roles:manage'], organizationId: orgA });
    const person = await makeUser({ email: 'platform-instructor@doors.example' });
    expect((await call(root, 'POST', `/users/${person.id}/roles`, { roles: ['INSTRUCTOR'] })).statusCode).toBe(200);
    expect((await call(root, 'POST', `/organizations/${orgA}/members`, { userId: person.id })).statusCode).toBe(201);
    const rolesOf = async (signed: Signed) =>
      (await call(signed, 'GET', `/users/${person.id}/roles`)).json().data.map((role: { name: string }) => role.name);
    expect(await rolesOf(session)).toContain('INSTRUCTOR');

    const revoked = await call(session, 'DELETE', `/users/${person.id}/roles/${await findRoleId(h, 'INSTRUCTOR')}`);
    expect([revoked.statusCode, revoked.json().code]).toEqual([400, 'ROLE_NOT_HELD']);
    expect(await rolesOf(root)).toContain('INSTRUCTOR');
    // Granted within the organization, it is theirs to revoke.
    expect((await call(session, 'POST', `/users/${person.id}/roles`, { roles: ['LEARNER'] })).statusCode).toBe(200);
    expect((await call(session, 'DELETE', `/users/${person.id}/roles/${await findRoleId(h, 'LEARNER')}`)).statusCode).toBe(204);
  });

  it('an import asks a recent sign-in, as a role grant and a password set by an administrator do', async () => {
    const writer = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:write'] });
    await h.context.database.primary.execute(
      sql`UPDATE sessions SET created_at = now() - interval '1 hour' WHERE user_id = ${writer.userId}`,
    );
    for (const url of ['/users/import', '/users/import/jobs']) {
      const stale = await h.app.inject({
        method: 'POST',
        url,
        headers: { ...writer.headers, 'content-type': 'application/x-ndjson' },
        payload: `${JSON.stringify({ email: 'late@doors.example' })}\n`,
      });
      expect([url, stale.statusCode, stale.json().code]).toEqual([url, 401, 'STEP_UP_REQUIRED']);
    }
    const fresh = await login(h, writer.user.email, writer.user.password);
    expect((await importAs(fresh, [{ email: 'late@doors.example' }], '')).json()).toMatchObject({ created: 1 });
  });

  it('an administrator adds to an organization no account holding more than they do, as they change no such member', async () => {
    const support = await loginAs(h, { permissions: ['tenants:all', 'users:read', 'users:write'] });
    const stronger = await createUser(h, { roles: ['SUPER_ADMIN'] });
    const weaker = await createUser(h, { organizationId: orgA });
    const refused = await call(support, 'POST', `/organizations/${orgB}/members`, { userId: stronger.id });
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    const members = (await call(root, 'GET', `/organizations/${orgB}/members`)).json().data;
    expect(members.map((member: { userId: string }) => member.userId)).not.toContain(stronger.id);
    expect((await call(support, 'POST', `/organizations/${orgB}/members`, { userId: weaker.id })).statusCode).toBe(201);
  });

  it('an import holds each line to the rules again as it writes it: an account changed or made since the check is not overwritten past them', async () => {
    const writer = await loginAs(h, { organizationId: orgA, permissions: ['users:read', 'users:write'] });
    const suspendedMeanwhile = await createUser(h, { organizationId: orgA });
    const arrived = 'arrived-meanwhile@doors.example';
    // The file is checked against the accounts as they were; before it is written, another administrator suspends one
    // account and an organization administrator's account is made at another line's address (a background import's
    // check can take minutes).
    const people = h.app.modules.users;
    const withEmails = people.withEmails;
    const checkedThenChanged = async (...args: Parameters<typeof withEmails>) => {
      const rows = await withEmails(...args);
      expect((await call(root, 'POST', `/users/${suspendedMeanwhile.id}/suspend`, { reason: 'under review' })).statusCode).toBe(200);
      await createUser(h, { email: arrived, organizationId: orgA, roles: ['ORG_ADMIN'], firstName: 'Arrived' });
      return rows;
    };
    const spy = vi.spyOn(people, 'withEmails').mockImplementationOnce(checkedThenChanged as typeof withEmails);
    const res = await importAs(writer, [
      { email: suspendedMeanwhile.email, status: 'ACTIVE', firstName: 'Lifted' },
      { email: arrived, firstName: 'Overwritten', username: 'taken-over' },
    ]).finally(() => spy.mockRestore());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: 0, updated: 0, failed: 2 });
    expect(res.json().errors).toEqual([
      { line: 1, field: 'email', message: "changing this user's status from SUSPENDED to ACTIVE needs users:suspend" },
      { line: 2, field: 'email', message: 'This account holds access you do not hold: you cannot act on it.' },
    ]);
    expect(await statusOf(suspendedMeanwhile.id)).toBe('SUSPENDED');
    const made = (await call(root, 'GET', `/users?search=${arrived}`)).json().data[0];
    expect([made.firstName, made.username]).toEqual(['Arrived', null]);
  });
});
