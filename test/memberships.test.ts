import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { createOrganization, login, loginAs } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

type Session = { headers: Record<string, string>; accessToken: string; refreshToken: string };

// A person in several organizations: each membership holds its own roles, the token acts in one.
describe('memberships: several organizations per person', () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let root: Awaited<ReturnType<typeof loginAs>>;
  let orgA: string;
  let orgB: string;
  let person: { id: string; email: string };
  let onlyInB: string;
  const password = 'a member passphrase 42';

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      preset: 'learning',
      config: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000', MAX_EMAILS_PER_HOUR: '100' },
    });
    root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    orgA = await createOrganization(h, root, 'Alpha School');
    orgB = await createOrganization(h, root, 'Beta School');
    // Made through the API, so its roles are held within organization A.
    const made = await call(root, 'POST', '/users', {
      email: 'teacher@example.com',
      firstName: 'Tea',
      lastName: 'Cher',
      organizationId: orgA,
      roles: ['ORG_ADMIN'],
      password,
    });
    expect(made.statusCode).toBe(201);
    person = made.json().user;
    const added = await call(root, 'POST', `/organizations/${orgB}/members`, { userId: person.id, roleIds: ['INSTRUCTOR'] });
    expect(added.statusCode).toBe(201);
    expect(added.json().member).toMatchObject({ userId: person.id, status: 'ACTIVE', roles: ['INSTRUCTOR'] });
    onlyInB = (
      await call(root, 'POST', '/users', { email: 'b-only@example.com', firstName: 'B', lastName: 'Only', organizationId: orgB })
    ).json().user.id;
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  function call(
    session: { headers: Record<string, string> },
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    node = h,
  ) {
    return node.app.inject({ method, url, headers: session.headers, ...(payload ? { payload } : {}) });
  }
  const sessionOf = (body: { accessToken: string; refreshToken: string }): Session => ({
    ...body,
    headers: { authorization: `Bearer ${body.accessToken}` },
  });
  const switchTo = async (session: Session, organizationId: string) =>
    call(session, 'POST', '/auth/switch-organization', { organizationId });
  const auditActions = async (action: string) =>
    queryRows<{ n: number }>(h.context.database.primary, sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = ${action}`);

  it('signs in to the default organization, switches, and holds only the active organization’s roles', async () => {
    const signedIn = sessionOf(await login(h, person.email, password));
    expect(decodeJwt(signedIn.accessToken)).toMatchObject({ org: orgA, roles: ['ORG_ADMIN'] });
    const me = (await call(signedIn, 'GET', '/auth/me')).json();
    expect(me.activeOrganization).toEqual({ id: orgA, name: 'Alpha School', slug: 'alpha-school' });
    expect(me.organizations.map((org: { id: string; roles: string[]; status: string }) => [org.id, org.roles, org.status])).toEqual([
      [orgA, ['ORG_ADMIN'], 'ACTIVE'],
      [orgB, ['INSTRUCTOR'], 'ACTIVE'],
    ]);
    expect(me.permissions).toContain('users:write');
    // A organization's token reads only A's people: B's are missing.
    expect((await call(signedIn, 'GET', `/users/${onlyInB}`)).statusCode).toBe(404);

    const switched = await switchTo(signedIn, orgB);
    expect(switched.statusCode).toBe(200);
    const inB = sessionOf(switched.json());
    expect(decodeJwt(inB.accessToken)).toMatchObject({ org: orgB, roles: ['INSTRUCTOR'] });
    const meInB = (await call(inB, 'GET', '/auth/me')).json();
    expect(meInB.activeOrganization.id).toBe(orgB);
    expect(meInB.roles).toEqual(['INSTRUCTOR']);
    expect(meInB.permissions).not.toContain('users:write');
    expect((await call(inB, 'GET', `/users/${onlyInB}`)).statusCode).toBe(200);
    expect((await call(inB, 'PATCH', `/users/${onlyInB}`, { firstName: 'Changed' })).statusCode).toBe(403);
    // The earlier refresh token is spent; the new one refreshes into B.
    expect(
      (await h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: signedIn.refreshToken } })).statusCode,
    ).toBe(401);
    const refreshed = await h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: inB.refreshToken } });
    expect(decodeJwt(refreshed.json().accessToken)).toMatchObject({ org: orgB });
    expect((await auditActions('auth.organization_switched'))[0]?.n).toBe(1);
  });

  it("lists each user with the roles held in the caller's organization and platform-wide, never another organization's", async () => {
    type Listed = { id: string; roles: { id: string; name: string }[] };
    const rolesIn = async (session: { headers: Record<string, string> }, url: string) => {
      const listed = await call(session, 'GET', url);
      expect(listed.statusCode).toBe(200);
      return new Map((listed.json().data as Listed[]).map((user) => [user.id, user.roles.map((role) => role.name)]));
    };
    // Signed in to A: the person is A's ORG_ADMIN; B's INSTRUCTOR does not show.
    const inA = sessionOf(await login(h, person.email, password));
    const seenFromA = await rolesIn(inA, '/users?limit=100');
    expect(seenFromA.get(person.id)).toEqual(['ORG_ADMIN']);
    expect(seenFromA.has(onlyInB)).toBe(false);
    // Each row's roles are those the user's page shows.
    const listed = (await call(inA, 'GET', '/users?limit=100')).json().data as Listed[];
    for (const user of listed) {
      const detail = (await call(inA, 'GET', `/users/${user.id}?include=roles`)).json();
      expect(user.roles, user.id).toEqual(detail.roles);
    }
    // Signed in to B: INSTRUCTOR only.
    const inB = sessionOf((await switchTo(sessionOf(await login(h, person.email, password)), orgB)).json());
    expect((await rolesIn(inB, '/users?limit=100')).get(person.id)).toEqual(['INSTRUCTOR']);

    // A cross-tenant administrator: the organization filtered on, else the user's own; platform roles everywhere.
    expect((await rolesIn(root, `/users?organizationId=${orgB}&limit=100`)).get(person.id)).toEqual(['INSTRUCTOR']);
    const everyone = await rolesIn(root, '/users?limit=100');
    expect(everyone.get(person.id)).toEqual(['ORG_ADMIN']);
    expect(everyone.get(root.userId)).toEqual(['SUPER_ADMIN']);
    expect((await rolesIn(root, `/organizations/${orgB}/users?limit=100`)).get(person.id)).toEqual(['INSTRUCTOR']);
  });

  it('refuses a switch into an organization one is not an active member of (NOT_A_MEMBER)', async () => {
    const outsider = await createOrganization(h, root, 'Gamma School');
    const signedIn = sessionOf(await login(h, person.email, password));
    const refused = await switchTo(signedIn, outsider);
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'NOT_A_MEMBER']);
    const suspended = await call(root, 'PATCH', `/organizations/${orgB}/members/${person.id}`, { status: 'SUSPENDED' });
    expect(suspended.json().member.status).toBe('SUSPENDED');
    const toSuspended = await switchTo(signedIn, orgB);
    expect([toSuspended.statusCode, toSuspended.json().code]).toEqual([403, 'NOT_A_MEMBER']);
    // A suspended membership still signs in (to the default organization).
    expect((await login(h, person.email, password)).accessToken).toBeTruthy();
    await call(root, 'PATCH', `/organizations/${orgB}/members/${person.id}`, { status: 'ACTIVE' });
    expect((await switchTo(signedIn, orgB)).statusCode).toBe(200);
  });

  it('switches with the refresh grant too, audited like the switch, and refuses a non-member keeping the token unspent', async () => {
    const refreshInto = (refreshToken: string, organizationId: string) =>
      h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken, organizationId } });
    const signedIn = sessionOf(await login(h, person.email, password));
    const outsider = await createOrganization(h, root, 'Eta School');
    const refused = await refreshInto(signedIn.refreshToken, outsider);
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'NOT_A_MEMBER']);

    const moved = await refreshInto(signedIn.refreshToken, orgB);
    expect(moved.statusCode).toBe(200);
    const inB = sessionOf(moved.json());
    expect(decodeJwt(inB.accessToken)).toMatchObject({ org: orgB, roles: ['INSTRUCTOR'], sid: decodeJwt(signedIn.accessToken).sid });
    expect((await call(inB, 'GET', '/auth/me')).json().activeOrganization.id).toBe(orgB);
    expect((await call(inB, 'GET', `/users/${onlyInB}`)).statusCode).toBe(200);
    const [audited] = await queryRows<{ actorId: string; payload: { from: string; to: string } }>(
      h.context.database.primary,
      sql`SELECT actor_id AS "actorId", payload FROM audit_logs WHERE action = 'auth.organization_switched' AND entity_id = ${decodeJwt(signedIn.accessToken).sid as string}`,
    );
    expect(audited).toEqual({ actorId: person.id, payload: { from: orgA, to: orgB } });
    // The presented token was spent by the move; the session goes on with the new one, still in B.
    expect((await refreshInto(signedIn.refreshToken, orgA)).statusCode).toBe(401);
    const plain = await h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: inB.refreshToken } });
    expect(decodeJwt(plain.json().accessToken)).toMatchObject({ org: orgB });

    // A suspended membership is refused as a switch would be.
    await call(root, 'PATCH', `/organizations/${orgB}/members/${person.id}`, { status: 'SUSPENDED' });
    try {
      const suspended = await refreshInto(plain.json().refreshToken, orgB);
      expect([suspended.statusCode, suspended.json().code]).toEqual([403, 'NOT_A_MEMBER']);
      const back = await refreshInto(plain.json().refreshToken, orgA);
      expect(decodeJwt(back.json().accessToken)).toMatchObject({ org: orgA, roles: ['ORG_ADMIN'] });
    } finally {
      await call(root, 'PATCH', `/organizations/${orgB}/members/${person.id}`, { status: 'ACTIVE' });
    }
  });

  it('leaves one unspent refresh token, and one audit row a switch, to a session switched by several requests at once', async () => {
    const signedIn = sessionOf(await login(h, person.email, password));
    const switches = await Promise.all(Array.from({ length: 8 }, (_, index) => switchTo(signedIn, index % 2 ? orgA : orgB)));
    expect(switches.map((res) => res.statusCode)).toEqual(Array(8).fill(200));
    const sessionId = decodeJwt(signedIn.accessToken).sid as string;
    const unspent = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = ${sessionId} AND used_at IS NULL`,
    );
    expect(unspent[0]?.n).toBe(1);
    // Each switch audited once, whether it ran as one statement or queued behind another in a transaction.
    const audited = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.organization_switched' AND entity_id = ${sessionId}`,
    );
    expect(audited[0]?.n).toBe(8);
  });

  it("answers /auth/me with a membership's changed roles and status at once on every node (the answer is kept until they change)", async () => {
    const peer = await createPeer(h);
    const rolesIn = async (node: Harness, session: Session, organizationId: string) =>
      (await call(session, 'GET', '/auth/me', undefined, node))
        .json()
        .organizations.find((org: { id: string }) => org.id === organizationId);
    try {
      const signedIn = sessionOf(await login(h, person.email, password));
      for (const node of [h, peer]) expect(await rolesIn(node, signedIn, orgB)).toMatchObject({ status: 'ACTIVE', roles: ['INSTRUCTOR'] });
      await call(root, 'PATCH', `/organizations/${orgB}/members/${person.id}`, { roleIds: ['LEARNER'], status: 'SUSPENDED' });
      // The change answered once every node had dropped its copy.
      for (const node of [h, peer]) expect(await rolesIn(node, signedIn, orgB)).toMatchObject({ status: 'SUSPENDED', roles: ['LEARNER'] });
    } finally {
      await call(root, 'PATCH', `/organizations/${orgB}/members/${person.id}`, { roleIds: ['INSTRUCTOR'], status: 'ACTIVE' });
      await peer.close();
    }
    expect(await rolesIn(h, sessionOf(await login(h, person.email, password)), orgB)).toMatchObject({
      status: 'ACTIVE',
      roles: ['INSTRUCTOR'],
    });
  });

  it('stops a removed membership on the next request on every node, falling back to the default organization', async () => {
    const peer = await createPeer(h);
    try {
      const inB = sessionOf((await switchTo(sessionOf(await login(h, person.email, password)), orgB)).json());
      expect((await call(inB, 'GET', `/users/${onlyInB}`, undefined, peer)).statusCode).toBe(200);
      expect((await call(inB, 'GET', '/auth/me', undefined, peer)).json().activeOrganization.id).toBe(orgB);
      const removed = await call(root, 'DELETE', `/organizations/${orgB}/members/${person.id}`);
      expect(removed.statusCode).toBe(204);
      // The same token, on the other node at once (the removal answered once every node had dropped its copy):
      // the person acts in A again, where B's people are not found.
      expect((await call(inB, 'GET', `/users/${onlyInB}`, undefined, peer)).statusCode).toBe(404);
      const me = (await call(inB, 'GET', '/auth/me', undefined, peer)).json();
      expect(me.activeOrganization.id).toBe(orgA);
      expect(me.organizations.map((org: { id: string }) => org.id)).toEqual([orgA]);
      expect((await call(inB, 'GET', `/users/${onlyInB}`)).statusCode).toBe(404);
      // The account stays, and its roles in B are gone with the membership.
      const roles = await queryRows<{ n: number }>(
        h.context.database.primary,
        sql`SELECT count(*)::int AS n FROM user_roles WHERE user_id = ${person.id} AND organization_id = ${orgB}`,
      );
      expect(roles[0]?.n).toBe(0);
      expect((await call(root, 'GET', `/users/${person.id}`)).statusCode).toBe(200);
      expect((await auditActions('membership.removed'))[0]?.n).toBe(1);
    } finally {
      await peer.close();
    }
  });

  it('keeps the last administrator of an organization (LAST_ORGANIZATION_ADMIN)', async () => {
    const orgC = await createOrganization(h, root, 'Delta School');
    const made = await call(root, 'POST', '/users', {
      email: 'admin-c@example.com',
      firstName: 'C',
      lastName: 'Admin',
      organizationId: orgC,
      roles: ['ORG_ADMIN'],
      password,
    });
    const adminC = { id: made.json().user.id as string, session: sessionOf(await login(h, 'admin-c@example.com', password)) };
    const demote = await call(adminC.session, 'PATCH', `/organizations/${orgC}/members/${adminC.id}`, { roleIds: [] });
    expect([demote.statusCode, demote.json().code]).toEqual([409, 'LAST_ORGANIZATION_ADMIN']);
    const leave = await call(adminC.session, 'DELETE', `/users/me/organizations/${orgC}`);
    expect([leave.statusCode, leave.json().code]).toEqual([409, 'LAST_ORGANIZATION_ADMIN']);
    const suspend = await call(root, 'PATCH', `/organizations/${orgC}/members/${adminC.id}`, { status: 'SUSPENDED' });
    expect([suspend.statusCode, suspend.json().code]).toEqual([409, 'LAST_ORGANIZATION_ADMIN']);
    // With a second administrator, the first may step down.
    const second = await call(root, 'POST', '/users', {
      email: 'admin-c2@example.com',
      firstName: 'C',
      lastName: 'Two',
      organizationId: orgC,
      roles: ['ORG_ADMIN'],
    });
    expect(second.statusCode).toBe(201);
    const stepped = await call(adminC.session, 'PATCH', `/organizations/${orgC}/members/${adminC.id}`, { roleIds: ['LEARNER'] });
    expect([stepped.statusCode, stepped.json().member.roles]).toEqual([200, ['LEARNER']]);
    const list = (await call(root, 'GET', `/organizations/${orgC}/members?role=ORG_ADMIN`)).json();
    expect(list.data.map((member: { email: string }) => member.email)).toEqual(['admin-c2@example.com']);
  });

  it('lets nobody grant within an organization beyond what they hold there', async () => {
    const instructor = await call(root, 'POST', '/users', {
      email: 'instructor-a@example.com',
      firstName: 'I',
      lastName: 'A',
      organizationId: orgA,
      roles: ['INSTRUCTOR'],
      password,
    });
    const session = sessionOf(await login(h, 'instructor-a@example.com', password));
    // An instructor may not manage members at all; an org admin may not hand out SUPER_ADMIN.
    expect(
      (await call(session, 'PATCH', `/organizations/${orgA}/members/${instructor.json().user.id}`, { roleIds: ['ORG_ADMIN'] })).statusCode,
    ).toBe(403);
    const admin = sessionOf(await login(h, person.email, password));
    const tooMuch = await call(admin, 'PATCH', `/organizations/${orgA}/members/${instructor.json().user.id}`, { roleIds: ['SUPER_ADMIN'] });
    expect([tooMuch.statusCode, tooMuch.json().code]).toEqual([403, 'GRANT_EXCEEDS_OWN_ACCESS']);
  });

  it('adds an account once of several adds at once: the others answer 409 ALREADY_A_MEMBER and grant nothing', async () => {
    for (const round of [1, 2, 3]) {
      const made = await call(root, 'POST', '/users', { email: `raced-member-${round}@example.com`, firstName: 'R', lastName: 'M' });
      const { id } = made.json().user;
      const asked = ['INSTRUCTOR', 'ORG_ADMIN', 'LEARNER'];
      const answers = await Promise.all(
        asked.map((role) => call(root, 'POST', `/organizations/${orgB}/members`, { userId: id, roleIds: [role] })),
      );
      const codes = answers.map((answer) => (answer.statusCode === 201 ? 201 : `${answer.statusCode} ${answer.json().code}`));
      expect(codes.filter((code) => code === 201)).toHaveLength(1);
      expect(codes.filter((code) => code !== 201)).toEqual(['409 ALREADY_A_MEMBER', '409 ALREADY_A_MEMBER']);
      const winner = asked[codes.indexOf(201)];
      const member = await call(root, 'GET', `/users/${id}/organizations`);
      expect(member.json().data).toEqual([expect.objectContaining({ id: orgB, roles: [winner] })]);
    }
  });

  it('suspends a membership once of several suspensions at once: one membership.updated, the others change nothing', async () => {
    for (const round of [1, 2, 3]) {
      const made = await call(root, 'POST', '/users', {
        email: `raced-suspension-${round}@example.com`,
        firstName: 'R',
        lastName: 'S',
        organizationId: orgB,
      });
      const { id } = made.json().user;
      const answers = await Promise.all(
        [0, 1, 2].map(() => call(root, 'PATCH', `/organizations/${orgB}/members/${id}`, { status: 'SUSPENDED' })),
      );
      expect(answers.map((answer) => [answer.statusCode, answer.json().member.status])).toEqual(Array(3).fill([200, 'SUSPENDED']));
      const updates = await queryRows<{ payload: unknown }>(
        h.context.database.primary,
        sql`SELECT payload FROM audit_logs WHERE action = 'membership.updated' AND entity_id = ${id}`,
      );
      expect(updates.map((row) => row.payload)).toEqual([{ userId: id, before: { status: 'ACTIVE' }, after: { status: 'SUSPENDED' } }]);
    }
  });

  it("shows a person's organizations, only the shared one to a confined administrator, and moves the default one", async () => {
    const back = await call(root, 'POST', `/organizations/${orgB}/members`, { userId: person.id, roleIds: ['LEARNER'] });
    expect(back.statusCode).toBe(201);
    const again = await call(root, 'POST', `/organizations/${orgB}/members`, { userId: person.id });
    expect([again.statusCode, again.json().code]).toEqual([409, 'ALREADY_A_MEMBER']);
    const self = sessionOf(await login(h, person.email, password));
    const own = (await call(self, 'GET', '/users/me/organizations')).json().data;
    expect(own.map((org: { id: string; isDefault: boolean }) => [org.id, org.isDefault])).toEqual([
      [orgA, true],
      [orgB, false],
    ]);
    const adminOfB = await loginAs(h, { roles: ['ORG_ADMIN'], organizationId: orgB });
    const seen = (await call(adminOfB, 'GET', `/users/${person.id}/organizations`)).json().data;
    expect(seen.map((org: { id: string }) => org.id)).toEqual([orgB]);
    expect((await call(self, 'PUT', '/users/me/default-organization', { organizationId: orgB })).statusCode).toBe(200);
    expect(decodeJwt((await login(h, person.email, password)).accessToken)).toMatchObject({ org: orgB });
    const outside = await createOrganization(h, root, 'Epsilon School');
    const refused = await call(self, 'PUT', '/users/me/default-organization', { organizationId: outside });
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'NOT_A_MEMBER']);
    await call(self, 'PUT', '/users/me/default-organization', { organizationId: orgA });
  });

  it('ends memberships, not accounts, when an organization is deleted', async () => {
    const orgD = await createOrganization(h, root, 'Zeta School');
    await call(root, 'POST', `/organizations/${orgD}/members`, { userId: person.id, roleIds: ['LEARNER'] });
    expect((await call(root, 'DELETE', `/organizations/${orgD}`)).statusCode).toBe(204);
    const rows = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM organization_memberships WHERE organization_id = ${orgD}`,
    );
    expect(rows[0]?.n).toBe(0);
    const self = sessionOf(await login(h, person.email, password));
    expect((await call(self, 'GET', '/users/me/organizations')).json().data.map((org: { id: string }) => org.id)).not.toContain(orgD);
  });

  it('lands all of 20 parallel acceptances of invitations into 20 organizations for one person', async () => {
    const organizations = await Promise.all(Array.from({ length: 20 }, (_, index) => createOrganization(h, root, `Parallel ${index}`)));
    for (const organizationId of organizations) {
      const invited = await call(root, 'POST', `/organizations/${organizationId}/invitations`, { email: person.email, roles: ['LEARNER'] });
      expect(invited.statusCode).toBe(201);
    }
    const invitedMails = () => smtp.inbox.filter((mail) => mail.to.includes(person.email) && /invited you/.test(mail.subject));
    await smtp.waitFor(person.email, /invited you/);
    for (let waited = 0; invitedMails().length < 20 && waited < 200; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
    const tokens = invitedMails().map((mail) => tokenOf(mail.link));
    expect(new Set(tokens).size).toBe(20);
    // Each acceptance ends the session that accepted: one session each.
    const sessions: Session[] = [];
    for (const _token of tokens) sessions.push(sessionOf(await login(h, person.email, password)));
    const results = await Promise.all(
      tokens.map((token, index) =>
        h.app.inject({ method: 'POST', url: '/invitations/accept', headers: sessions[index]?.headers, payload: { token } }),
      ),
    );
    expect(results.map((result) => result.statusCode)).toEqual(Array(20).fill(200));
    const rows = await queryRows<{ organization_id: string }>(
      h.context.database.primary,
      sql`SELECT organization_id FROM organization_memberships WHERE user_id = ${person.id}`,
    );
    expect(rows.map((row) => row.organization_id)).toEqual(expect.arrayContaining(organizations));
    const scoped = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(DISTINCT organization_id)::int AS n FROM user_roles WHERE user_id = ${person.id} AND organization_id IN (${sql.join(
        organizations.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    );
    expect(scoped[0]?.n).toBe(20);
  }, 120_000);
});

// A switch's event is emitted by `runAsStatement`, outside any transaction: the harness checks it all the same.
describe('event payloads on the one-statement path', () => {
  it('fails the test file when an event emitted by runAsStatement breaks its schema', async () => {
    const h = await createHarness({ preset: false });
    const wrong = { type: 'auth.organization_switched', entityId: 'a session', payload: { from: null, to: 42 } } as never;
    let statementRan = false;
    await h.app.modules.useCases.runAsStatement(systemCaller('payload-check-test'), wrong, async () => {
      statementRan = true;
      return { result: undefined, wrote: false };
    });
    expect(statementRan).toBe(true);
    await expect(h.close()).rejects.toThrow(/events whose payload their schema refuses:\nauth\.organization_switched: /);
    // A harness of its own (made and closed here): seconds on a loaded machine.
  }, 180_000);
});
