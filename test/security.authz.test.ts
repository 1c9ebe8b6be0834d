import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertChildKey } from './helpers/api-keys.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, findRoleId, login, loginAs } from './helpers/auth.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// Issue 26's authorization holes, each reproduced as the penetration test did, through the API.
describe('authorization holes of the penetration test', () => {
  let h: Harness;
  let root: Awaited<ReturnType<typeof loginAs>>;
  let adminA: Awaited<ReturnType<typeof loginAs>>;
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    h = await createHarness({
      preset: 'learning',
      config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    const create = (name: string) => createOrganization(h, root, name);
    orgA = await create('Acme Learning');
    orgB = await create('Béta Académie');
    adminA = await loginAs(h, { roles: ['ORG_ADMIN'], permissions: ['roles:manage'], organizationId: orgA });
  });
  afterAll(() => h.close());

  const as = (headers: Record<string, string>) => (method: Method, url: string, payload?: object) =>
    h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const importAs = (headers: Record<string, string>, lines: object[], query = '') =>
    h.app.inject({
      method: 'POST',
      url: `/users/import${query}`,
      headers: { ...headers, 'content-type': 'application/x-ndjson' },
      payload: `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
    });
  const userById = async (id: string) => (await as(root.headers)('GET', `/users/${id}`)).json();
  const newKey = async (headers: Record<string, string>, scopes: string[]) => {
    const created = await as(headers)('POST', '/auth/api-keys', { name: `key-${scopes.join('-') || 'none'}`, scopes });
    expect(created.statusCode).toBe(201);
    return created.json() as { id: string; key: string };
  };

  it('hole 1: import cannot reach a user of another organization', async () => {
    const userB = await createUser(h, { organizationId: orgB, roles: ['LEARNER'], firstName: 'Bea' });
    const owner = await createUser(h, { roles: ['SUPER_ADMIN'], firstName: 'Owner' });
    const answer = await importAs(
      adminA.headers,
      [
        { email: owner.email, firstName: 'Hijacked' },
        { email: userB.email, firstName: 'Hijacked', passwordHash: '$2b$10$abcdefghijklmnopqrstuuMWQ8cnO0UodtrrQmZGk1Z3EBBqs0uS6' },
      ],
      '?update=true&skipInvalid=true',
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ updated: 0, created: 0 });
    expect(await userById(owner.id)).toMatchObject({ organizationId: null, firstName: 'Owner' });
    expect(await userById(userB.id)).toMatchObject({ organizationId: orgB, firstName: 'Bea' });
    // Its password stays the one it had: the org admin cannot sign in as it.
    const signIn = await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: userB.email, password: userB.password } });
    expect(signIn.statusCode).toBe(200);

    // The single-user routes' rules hold in import too: an account of one's own organization that holds more is left alone.
    const strongerA = await createUser(h, { organizationId: orgA, roles: ['SUPER_ADMIN'], firstName: 'Strong' });
    const refused = await importAs(adminA.headers, [{ email: strongerA.email, firstName: 'Hijacked' }], '?update=true');
    expect([refused.statusCode, refused.json().code]).toEqual([400, 'IMPORT_REJECTED']);
    expect(await userById(strongerA.id)).toMatchObject({ firstName: 'Strong' });

    // Nor does an importer suspend themselves through a file.
    const self = await importAs(adminA.headers, [{ email: adminA.user.email, status: 'SUSPENDED' }], '?update=true');
    expect([self.statusCode, self.json().code]).toEqual([400, 'IMPORT_REJECTED']);
    expect(await userById(adminA.userId)).toMatchObject({ status: 'ACTIVE' });

    // A learner of one's own organization is updated as before.
    const learnerA = await createUser(h, { organizationId: orgA, roles: ['LEARNER'] });
    expect((await importAs(adminA.headers, [{ email: learnerA.email, firstName: 'Renamed' }], '?update=true')).json()).toMatchObject({
      updated: 1,
    });
    expect(await userById(learnerA.id)).toMatchObject({ firstName: 'Renamed' });
  });

  it('hole 2: nobody acts on an account holding access they do not hold', async () => {
    const call = as(adminA.headers);
    const superA = await createUser(h, { organizationId: orgA, roles: ['SUPER_ADMIN'], firstName: 'Super' });
    const crossA = await createUser(h, { organizationId: orgA, roles: ['LEARNER'], permissions: ['tenants:all'], firstName: 'Cross' });
    for (const target of [superA, crossA]) {
      const attempts: [Method, string, object?][] = [
        ['PUT', `/users/${target.id}/password`, { password: 'an entirely new passphrase' }],
        ['PATCH', `/users/${target.id}`, { email: `taken-over-${target.id}@example.com` }],
        ['PATCH', `/users/${target.id}`, { firstName: 'Renamed' }],
        ['POST', `/users/${target.id}/suspend`, { reason: 'x' }],
        ['POST', `/users/${target.id}/activate`],
        ['POST', `/users/${target.id}/restore`],
        ['DELETE', `/users/${target.id}`],
        ['DELETE', `/users/${target.id}?hard=true`],
        ['DELETE', `/users/${target.id}/sessions`],
        ['DELETE', `/users/${target.id}/sessions/${randomUUID()}`],
        ['POST', `/users/${target.id}/roles`, { roles: ['LEARNER'] }],
        ['POST', `/users/${target.id}/permissions`, { permissions: ['users:read'] }],
      ];
      for (const [method, url, payload] of attempts) {
        const refused = await call(method, url, payload);
        expect([refused.statusCode, refused.json().code], `${method} ${url}`).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
      }
      expect(await userById(target.id)).toMatchObject({ email: target.email, status: 'ACTIVE', firstName: target.firstName });
      const signIn = await h.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: target.email, password: target.password },
      });
      expect(signIn.statusCode).toBe(200);
    }
    // An account holding no more than the actor is still theirs to manage.
    const learner = await createUser(h, { organizationId: orgA, roles: ['LEARNER'] });
    expect((await call('PUT', `/users/${learner.id}/password`, { password: 'an entirely new passphrase' })).statusCode).toBe(204);
    expect((await call('POST', `/users/${learner.id}/suspend`, { reason: 'x' })).statusCode).toBe(200);
    // The super-admin acts on anyone.
    expect((await as(root.headers)('PATCH', `/users/${crossA.id}`, { firstName: 'Fine' })).statusCode).toBe(200);
  });

  const MEMBER_PASSWORD = 'a shared member passphrase';
  const loginAsExisting = (email: string) => login(h, email, MEMBER_PASSWORD);

  it('an administrator of one organization has no power over an account that holds access in another', async () => {
    const member = async (organizationId: string, email: string, roles: string[]) => {
      const made = await as(root.headers)('POST', '/users', {
        email,
        firstName: 'Shared',
        lastName: 'Member',
        organizationId,
        roles,
        password: MEMBER_PASSWORD,
      });
      expect(made.statusCode).toBe(201);
      return made.json().user as { id: string; email: string };
    };
    // Consultants of both: one belongs to B and administers it, taking part in A; one belongs to A and administers B.
    const adminOfB = await member(orgB, 'admin-of-beta@example.com', ['ORG_ADMIN']);
    const adminElsewhere = await member(orgA, 'admin-elsewhere@example.com', ['LEARNER']);
    const learnerOfB = await member(orgB, 'learner-of-beta@example.com', ['LEARNER']);
    const join = async (organizationId: string, userId: string, role: string) =>
      expect((await as(root.headers)('POST', `/organizations/${organizationId}/members`, { userId, roleIds: [role] })).statusCode).toBe(
        201,
      );
    await join(orgA, adminOfB.id, 'LEARNER');
    await join(orgA, learnerOfB.id, 'LEARNER');
    await join(orgB, adminElsewhere.id, 'ORG_ADMIN');
    const support = await loginAs(h, { organizationId: orgA, roles: ['ORG_ADMIN'], permissions: ['users:impersonate'] });
    const call = as(support.headers);
    for (const target of [adminOfB, adminElsewhere]) {
      const attempts: [Method, string, object?][] = [
        ['PUT', `/users/${target.id}/password`, { password: 'an attacker chosen passphrase' }],
        ['PATCH', `/users/${target.id}`, { email: `taken-over-${target.id}@example.com` }],
        ['PATCH', `/users/${target.id}`, { firstName: 'Renamed' }],
        ['POST', `/users/${target.id}/suspend`, { reason: 'x' }],
        ['DELETE', `/users/${target.id}`],
        ['DELETE', `/users/${target.id}/sessions`],
        ['POST', `/users/${target.id}/impersonate`, { reason: 'act in their other organization' }],
      ];
      for (const [method, url, payload] of attempts) {
        const refused = await call(method, url, payload);
        expect([refused.statusCode, refused.json().code], `${method} ${url}`).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
      }
      const imported = await importAs(
        support.headers,
        [{ email: target.email, firstName: 'Imported', status: 'SUSPENDED' }],
        '?update=true',
      );
      // Refused as a line of an account beyond reach (the one of B), or of one holding more (the one of A).
      expect(imported.json().errors[0].message).toMatch(target === adminOfB ? /taken by another account/ : /holds access you do not hold/);
      expect(await userById(target.id)).toMatchObject({ email: target.email, firstName: 'Shared', status: 'ACTIVE' });
    }
    // What they hold in A is A's to change; and one who holds nothing elsewhere is the administrator's to manage.
    const roles = await call('PATCH', `/organizations/${orgA}/members/${adminOfB.id}`, { roleIds: ['INSTRUCTOR'] });
    expect(roles.statusCode).toBe(200);
    expect((await call('PATCH', `/users/${learnerOfB.id}`, { firstName: 'Renamed' })).statusCode).toBe(200);
    // Acting across organizations, one measures it all.
    expect((await as(root.headers)('PATCH', `/users/${adminOfB.id}`, { firstName: 'Fine' })).statusCode).toBe(200);

    // Nor does the administrator learn what the account holds in B: not from its export, nor from a role filter.
    const exported = (await call('GET', `/users/${adminElsewhere.id}/export`)).json();
    expect(exported.memberships.map((row: { organizationId: string }) => row.organizationId)).toEqual([orgA]);
    expect(exported.roles).toEqual([{ name: 'LEARNER', organizationId: orgA }]);
    expect(JSON.stringify(exported)).not.toContain(orgB);
    const own = (await as((await loginAsExisting(adminElsewhere.email)).headers)('GET', '/users/me/export')).json();
    expect(own.roles).toEqual(expect.arrayContaining([{ name: 'ORG_ADMIN', organizationId: orgB }]));
    const holding = async (role: string) =>
      (await call('GET', `/users?role=${role}&limit=100`)).json().data.map((user: { id: string }) => user.id);
    expect(await holding('ORG_ADMIN')).not.toContain(adminElsewhere.id);
    expect(await holding('LEARNER')).toContain(adminElsewhere.id);
  });

  it('an import gives no password to an account without one through an API key or an impersonation', async () => {
    const passwordless = await as(root.headers)('POST', '/users', {
      email: 'no-password-yet@example.com',
      firstName: 'No',
      lastName: 'Password',
      organizationId: orgA,
    });
    expect(passwordless.statusCode).toBe(201);
    const hash = '$2b$10$abcdefghijklmnopqrstuuMWQ8cnO0UodtrrQmZGk1Z3EBBqs0uS6';
    const { key } = await newKey(adminA.headers, ['users:read', 'users:write']);
    const target = { id: passwordless.json().user.id as string };
    const support = await loginAs(h, { organizationId: orgA, roles: ['ORG_ADMIN'], permissions: ['users:impersonate'] });
    const importer = await createUser(h, { organizationId: orgA, roles: ['ORG_ADMIN'] });
    const session = await as(support.headers)('POST', `/users/${importer.id}/impersonate`, { reason: 'walk through an import' });
    expect(session.statusCode).toBe(201);
    const doors: Record<string, string>[] = [{ 'x-api-key': key }, { authorization: `Bearer ${session.json().accessToken}` }];
    for (const headers of doors) {
      const answer = await importAs(headers, [{ email: 'no-password-yet@example.com', passwordHash: hash }], '?update=true');
      expect([answer.statusCode, answer.json().code]).toEqual([400, 'IMPORT_REJECTED']);
      expect(answer.json().errors[0].message).toMatch(/not changed with an API key|not changed while impersonating|impersonat/i);
    }
    const signIn = await h.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'no-password-yet@example.com', password: 'x' },
    });
    expect(signIn.statusCode).toBe(401);
    const rows = await h.context.database.primary.query.users.findFirst({ where: (users, { eq }) => eq(users.id, target.id) });
    expect(rows?.passwordHash).toBeNull();
    // Signed in as themselves, the administrator migrates the hash.
    expect(
      (await importAs(adminA.headers, [{ email: 'no-password-yet@example.com', passwordHash: hash }], '?update=true')).json(),
    ).toMatchObject({
      updated: 1,
    });
  });

  it('the permission catalogue and user types, shared by every organization, change only by holders of tenants:all', async () => {
    const custom = await as(root.headers)('POST', '/permissions', { name: 'reports:publish', description: 'Publishes reports' });
    expect(custom.statusCode).toBe(201);
    const kind = await as(root.headers)('POST', '/user-types', { name: 'CONTRACTOR' });
    expect(kind.statusCode).toBe(201);
    const confined = await loginAs(h, { organizationId: orgA, roles: ['ORG_ADMIN'], permissions: ['roles:manage', 'user-types:manage'] });
    const call = as(confined.headers);
    const attempts: [Method, string, object?][] = [
      ['POST', '/permissions', { name: 'reports:delete' }],
      ['PATCH', `/permissions/${custom.json().id}`, { description: 'Changed for everyone' }],
      ['DELETE', `/permissions/${custom.json().id}`],
      ['POST', '/user-types', { name: 'VENDOR' }],
      ['PATCH', `/user-types/${kind.json().id}`, { name: 'RENAMED' }],
      ['DELETE', `/user-types/${kind.json().id}`],
    ];
    for (const [method, url, payload] of attempts) {
      const refused = await call(method, url, payload);
      expect([refused.statusCode, refused.json().code], `${method} ${url}`).toEqual([403, 'SHARED_CATALOG']);
    }
    const names = async (url: string) => (await as(root.headers)('GET', url)).json().data.map((row: { name: string }) => row.name);
    expect(await names('/permissions')).toContain('reports:publish');
    expect(await names('/user-types')).toContain('CONTRACTOR');
    expect((await as(root.headers)('DELETE', `/permissions/${custom.json().id}`)).statusCode).toBe(204);
  });

  it("hole 4: an API key grants with its scopes, not its owner's permissions", async () => {
    const { key } = await newKey(adminA.headers, ['roles:manage']);
    const withKey = as({ 'x-api-key': key });
    const learner = await createUser(h, { organizationId: orgA, roles: ['LEARNER'] });
    for (const [url, payload] of [
      [`/users/${learner.id}/roles`, { roles: ['ORG_ADMIN'] }],
      [`/users/${learner.id}/roles`, { roles: ['INSTRUCTOR'] }],
      [`/users/${learner.id}/permissions`, { permissions: ['users:delete'] }],
    ] as const) {
      const refused = await withKey('POST', url, payload);
      expect([refused.statusCode, refused.json().code], url).toEqual([403, 'GRANT_EXCEEDS_OWN_ACCESS']);
    }
    const held = await as(root.headers)('GET', `/users/${learner.id}/permissions`);
    expect(held.json().data).toEqual([]);
    // Within the key's scopes, it grants.
    expect((await withKey('POST', `/users/${learner.id}/permissions`, { permissions: ['roles:manage'] })).statusCode).toBe(204);
  });

  it('hole 5: a key without scopes has no power, changes no credentials, and its children fall with it', async () => {
    const owner = await loginAs(h, { organizationId: orgA, roles: ['ORG_ADMIN'] });
    const parent = await newKey(owner.headers, []);
    const withKey = as({ 'x-api-key': parent.key });
    const attempts: [Method, string, object?][] = [
      ['PUT', '/users/profile', { email: 'stolen@example.com' }],
      ['PATCH', '/users/me', { email: 'stolen@example.com' }],
      ['POST', '/auth/api-keys', { name: 'child', scopes: [] }],
      ['POST', '/auth/logout-all'],
      ['POST', '/auth/change-password', { currentPassword: owner.user.password, newPassword: 'an entirely new passphrase' }],
    ];
    for (const [method, url, payload] of attempts) {
      const refused = await withKey(method, url, payload);
      expect([refused.statusCode, refused.json().code], `${method} ${url}`).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    }
    expect((await withKey('GET', '/users')).statusCode).toBe(403);
    expect(await userById(owner.userId)).toMatchObject({ email: owner.user.email });
    expect((await as(owner.headers)('GET', '/auth/me')).statusCode).toBe(200);

    const child = await insertChildKey(h, { id: parent.id, userId: owner.userId });
    expect((await as({ 'x-api-key': child })('GET', '/auth/me')).statusCode).toBe(200);
    expect((await as(owner.headers)('DELETE', `/auth/api-keys/${parent.id}`)).statusCode).toBe(204);
    const revoked = await as({ 'x-api-key': child })('GET', '/auth/me');
    expect([revoked.statusCode, revoked.json().code]).toEqual([401, 'INVALID_API_KEY']);
  });

  it('hole 6: an invitation hands out a plan only from a holder of subscriptions:manage', async () => {
    const invite = (headers: Record<string, string>, email: string, plan?: string) =>
      as(headers)('POST', `/organizations/${orgA}/invitations`, { email, ...(plan ? { plan } : {}) });
    const refused = await invite(adminA.headers, 'planned@example.com', 'PREMIUM');
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'GRANT_EXCEEDS_OWN_ACCESS']);
    expect((await invite(adminA.headers, 'planned@example.com')).statusCode).toBe(201);
    const billing = await loginAs(h, { organizationId: orgA, roles: ['ORG_ADMIN'], permissions: ['subscriptions:manage'] });
    expect((await invite(billing.headers, 'premium@example.com', 'PREMIUM')).statusCode).toBe(201);
  });

  it('hole 8: shared and system roles are changed only by holders of tenants:all', async () => {
    const call = as(adminA.headers);
    const instructor = await findRoleId(h, 'INSTRUCTOR');
    const attempts: [Method, string, object?][] = [
      ['PATCH', `/roles/${instructor}`, { isDefault: true }],
      ['PATCH', `/roles/${instructor}`, { description: 'Renamed for everyone' }],
      ['PUT', `/roles/${instructor}/permissions`, { permissions: ['users:read', 'learning:read'] }],
      ['DELETE', `/roles/${instructor}`],
      ['POST', '/roles', { name: 'SHARED_BY_ALL', permissions: ['users:read'] }],
    ];
    for (const [method, url, payload] of attempts) {
      const refused = await call(method, url, payload);
      expect([refused.statusCode, refused.json().code], `${method} ${url}`).toEqual([403, 'SHARED_ROLE']);
    }
    const role = (await as(root.headers)('GET', `/roles/${instructor}`)).json();
    expect(role).toMatchObject({ isDefault: false, permissions: ['learning:manage', 'learning:read', 'users:read'] });
    expect((await as(root.headers)('PATCH', `/roles/${instructor}`, { description: 'Teaches' })).statusCode).toBe(200);
  });

  it('hole 13: check-email and the dry run answer within the caller organization only', async () => {
    const elsewhere = await createUser(h, { organizationId: orgB, roles: ['LEARNER'] });
    const mine = await createUser(h, { organizationId: orgA, roles: ['LEARNER'] });
    const exists = async (headers: Record<string, string>, email: string) =>
      (await as(headers)('GET', `/users/check-email?email=${encodeURIComponent(email)}`)).json().exists;
    expect(await exists(adminA.headers, elsewhere.email)).toBe(false);
    expect(await exists(adminA.headers, mine.email)).toBe(true);
    expect(await exists(root.headers, elsewhere.email)).toBe(true);

    const dryRun = async (email: string) => (await importAs(adminA.headers, [{ email }], '?dryRun=true&update=true')).json();
    expect(await dryRun(elsewhere.email)).toEqual(await dryRun('nobody-at-all@example.com'));
    expect(await dryRun(mine.email)).toMatchObject({ updated: 1, created: 0 });

    // Nor does a slug tell whether another organization has it.
    const slugOfB = (await as(root.headers)('GET', `/organizations/${orgB}`)).json().slug;
    const placed = async (organization: string) =>
      (await importAs(adminA.headers, [{ email: 'placed@example.com', organization }], '?dryRun=true')).json().errors[0].message;
    for (const slug of [slugOfB, 'no-such-school']) expect(await placed(slug)).toBe(`no organization has the slug "${slug}"`);
  });
});
