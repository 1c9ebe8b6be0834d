import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { userTypes } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, impersonate, login, loginAs } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

const password = 'an invited passphrase';

describe('invitations: invite, mail, look up, accept', () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let adminA: Awaited<ReturnType<typeof loginAs>>;
  let adminB: Awaited<ReturnType<typeof loginAs>>;
  let orgA: string;
  let orgB: string;
  let userTypeId: string;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      preset: 'learning',
      config: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000', MAX_EMAILS_PER_HOUR: '3' },
    });
    const root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    const create = (name: string) => createOrganization(h, root, name);
    orgA = await create('Acme Learning');
    orgB = await create('Béta Académie');
    // Handing out a plan takes subscriptions:manage, which ORG_ADMIN does not bundle.
    adminA = await loginAs(h, {
      roles: ['ORG_ADMIN'],
      permissions: ['subscriptions:manage'],
      organizationId: orgA,
      firstName: 'Ada',
      lastName: 'Admin',
    });
    adminB = await loginAs(h, { roles: ['ORG_ADMIN'], organizationId: orgB });
    [{ id: userTypeId }] = (await h.context.database.primary
      .insert(userTypes)
      .values({ name: 'STUDENT' })
      .returning({ id: userTypes.id })) as [{ id: string }];
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  const as = (session: { headers: Record<string, string> } | undefined) => ({
    get: (url: string) => h.app.inject({ method: 'GET', url, headers: session?.headers ?? {} }),
    send: (method: 'POST' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({ method, url, headers: session?.headers ?? {}, ...(payload ? { payload } : {}) }),
  });
  const invite = (organizationId: string, payload: object, session = adminA, query = '') =>
    as(session).send('POST', `/organizations/${organizationId}/invitations${query}`, payload);
  const accept = (payload: object, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/invitations/accept', payload, headers });
  const lookup = (token: string) => h.app.inject({ method: 'GET', url: `/invitations/lookup?token=${encodeURIComponent(token)}` });
  const mailedToken = async (email: string, subject = /invited you/) => tokenOf((await smtp.waitFor(email, subject)).link);
  const auditOf = async (invitationId: string) =>
    (
      await queryRows<{ action: string }>(
        h.context.database.primary,
        sql`SELECT action FROM audit_logs WHERE entity_id = ${invitationId} ORDER BY id`,
      )
    ).map((row) => row.action);

  it('invites with a role, a permission, a user type and a plan, and the new account signs in with all of them', async () => {
    const created = await invite(orgA, {
      email: 'New.Comer@Example.com',
      roles: ['INSTRUCTOR'],
      permissions: [{ permission: 'users:export', expiresAt: '2099-01-01T00:00:00.000Z' }],
      userTypeId,
      plan: 'PREMIUM',
      message: 'Welcome to the team!',
    });
    expect(created.statusCode).toBe(201);
    const { invitation } = created.json();
    expect(invitation).toMatchObject({ email: 'new.comer@example.com', status: 'PENDING', organizationId: orgA, plan: 'PREMIUM' });
    expect(JSON.stringify(invitation)).not.toMatch(/token/i);

    const mail = await smtp.waitFor('new.comer@example.com', /invited you/);
    expect(mail.subject).toBe('Ada Admin invited you to join Acme Learning');
    expect(mail.raw).toContain('Welcome to the team!');
    expect(mail.raw).toContain('text/html');
    expect(mail.link).toMatch(/^https:\/\/tessera\.test\/accept-invitation\?token=[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(mail.link);

    const found = await lookup(token);
    expect(found.json()).toEqual({
      organization: { name: 'Acme Learning' },
      email: 'new.comer@example.com',
      expiresAt: invitation.expiresAt,
      accountExists: false,
    });

    const noPassword = await accept({ token });
    expect([noPassword.statusCode, noPassword.json().errors?.[0]?.path]).toEqual([400, '/password']);
    const accepted = await accept({ token, password, firstName: 'New', lastName: 'Comer' });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({
      tokenType: 'Bearer',
      user: { email: 'new.comer@example.com', organizationId: orgA, emailVerified: true, firstName: 'New' },
    });
    const me = (await as({ headers: { authorization: `Bearer ${accepted.json().accessToken}` } }).get('/auth/me')).json();
    expect(me).toMatchObject({ organizationId: orgA, roles: ['INSTRUCTOR'], subscription: { plan: 'PREMIUM' } });
    expect(me.permissions).toEqual(expect.arrayContaining(['learning:manage', 'users:export']));
    const detail = (await as(adminA).get(`/users/${me.id}`)).json();
    expect(detail.userTypeId).toBe(userTypeId);
    expect((await login(h, 'new.comer@example.com', password)).accessToken).toBeTruthy();

    const shown = (await as(adminA).get(`/invitations/${invitation.id}`)).json();
    expect(shown).toMatchObject({ status: 'ACCEPTED', userId: me.id });
    expect(await auditOf(invitation.id)).toEqual(['invitation.created', 'invitation.accepted']);
  });

  it('joins an existing account to the organization only with its own Bearer token', async () => {
    const existing = await createUser(h, { email: 'solo@example.com' });
    await invite(orgA, { email: 'solo@example.com', roles: ['INSTRUCTOR'] });
    const token = await mailedToken('solo@example.com');
    expect((await lookup(token)).json()).toMatchObject({ accountExists: true });

    const anonymous = await accept({ token, password: 'someone guessing here' });
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'SIGN_IN_TO_ACCEPT']);
    const stranger = await loginAs(h);
    const wrongUser = await accept({ token }, stranger.headers);
    expect([wrongUser.statusCode, wrongUser.json().code]).toEqual([403, 'INVITATION_FOR_ANOTHER_ACCOUNT']);

    const session = await login(h, existing.email, existing.password);
    const joined = await accept({ token }, session.headers);
    expect(joined.statusCode).toBe(200);
    expect(joined.json().user).toMatchObject({ id: existing.id, organizationId: orgA });
    const me = (await as({ headers: { authorization: `Bearer ${joined.json().accessToken}` } }).get('/auth/me')).json();
    expect(me).toMatchObject({ organizationId: orgA, roles: expect.arrayContaining(['INSTRUCTOR']) });
    // The token that accepted, issued outside the organization, is over: the new pair replaces it.
    expect((await as(session).get('/auth/me')).statusCode).toBe(401);
  });

  it('keeps the time the accepting session was signed in: an old session does not come away as a fresh sign-in', async () => {
    const existing = await createUser(h, { email: 'stale@example.com' });
    const signedIn = await login(h, existing.email, existing.password);
    // The session's sign-in two hours back, as a browser kept open since the morning; its refresh carries that time.
    const provenAt = Math.floor(Date.now() / 1000) - 7200;
    await h.context.database.primary.execute(
      sql`UPDATE sessions SET created_at = to_timestamp(${provenAt}) WHERE user_id = ${existing.id}`,
    );
    const refreshed = await h.app.inject({ method: 'POST', url: '/auth/refresh-token', payload: { refreshToken: signedIn.refreshToken } });
    const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    expect(claimsOf(refreshed.json().accessToken).auth_time).toBe(provenAt);

    await invite(orgA, { email: existing.email, roles: ['INSTRUCTOR'] });
    const joined = await accept({ token: await mailedToken(existing.email) }, { authorization: `Bearer ${refreshed.json().accessToken}` });
    expect(joined.statusCode).toBe(200);
    expect(claimsOf(joined.json().accessToken)).toMatchObject({ amr: ['pwd'], auth_time: provenAt });
    // What asks for a recent sign-in still asks it.
    const key = await as({ headers: { authorization: `Bearer ${joined.json().accessToken}` } }).send('POST', '/auth/api-keys', {
      name: 'after the invitation',
      scopes: [],
    });
    expect([key.statusCode, key.json().code]).toEqual([401, 'STEP_UP_REQUIRED']);
  });

  it("is accepted in the person's own session only: an API key or support acting as them would come away with one", async () => {
    const person = await loginAs(h, { email: 'keyholder@example.com' });
    await invite(orgA, { email: 'keyholder@example.com', roles: ['INSTRUCTOR'] });
    const token = await mailedToken('keyholder@example.com');
    const key = await as(person).send('POST', '/auth/api-keys', { name: 'automation', scopes: [] });
    expect(key.statusCode).toBe(201);
    const withKey = await accept({ token }, { 'x-api-key': key.json().key });
    expect([withKey.statusCode, withKey.json().code]).toEqual([403, 'API_KEY_NOT_ALLOWED']);
    const support = await loginAs(h, { permissions: ['users:read', 'users:impersonate'] });
    const asPerson = await accept({ token }, await impersonate(h, support, person.userId, 'Ticket 12: an invitation'));
    expect([asPerson.statusCode, asPerson.json().code]).toEqual([403, 'IMPERSONATION_NOT_ALLOWED']);
    // Nothing was spent: the person's own session accepts it.
    const joined = await accept({ token }, person.headers);
    expect([joined.statusCode, joined.json().user?.id]).toEqual([200, person.userId]);
  });

  it('accepts an account of another organization into this one as well; a second invitation answers ALREADY_A_MEMBER', async () => {
    const member = await createUser(h, { email: 'b-member@example.com', organizationId: orgB });
    const { invitation } = (await invite(orgA, { email: 'b-member@example.com', roles: ['INSTRUCTOR'] })).json();
    const token = await mailedToken('b-member@example.com');
    const session = await login(h, member.email, member.password);
    const joined = await accept({ token }, session.headers);
    expect(joined.statusCode).toBe(200);
    // The default organization stays where it was; the new membership holds the invitation's role.
    expect(joined.json().user.organizationId).toBe(orgB);
    expect((await as(adminA).get(`/invitations/${invitation.id}`)).json().status).toBe('ACCEPTED');
    expect((await as(adminA).get(`/users/${member.id}`)).statusCode).toBe(200);
    expect((await as(adminB).get(`/users/${member.id}`)).json().organizationId).toBe(orgB);
    const me = (await as({ headers: { authorization: `Bearer ${joined.json().accessToken}` } }).get('/auth/me')).json();
    expect(me.organizations.map((org: { id: string; roles: string[] }) => [org.id, org.roles])).toEqual(
      expect.arrayContaining([[orgA, ['INSTRUCTOR']]]),
    );
    const again = await invite(orgA, { email: 'b-member@example.com' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'ALREADY_A_MEMBER']);
  });

  // A plan is the account's, in every organization: an invitation to one must not change the plan of an account its
  // inviter may not change (PUT /users/:id/subscription answers them 404 or 403).
  it("starts the invitation's plan only for the account the acceptance makes: an existing account keeps its own", async () => {
    const root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    const elsewhere = await loginAs(h, { roles: ['ORG_ADMIN'], organizationId: orgB, email: 'b.admin.premium@example.com' });
    const put = (session: { headers: Record<string, string> }, plan: string) =>
      h.app.inject({ method: 'PUT', url: `/users/${elsewhere.userId}/subscription`, headers: session.headers, payload: { type: plan } });
    expect((await put(root, 'PREMIUM')).statusCode).toBe(200);
    expect((await put(adminA, 'FREE')).statusCode).toBe(404);

    const created = await invite(orgA, { email: elsewhere.user.email, plan: 'FREE' });
    expect(created.statusCode).toBe(201);
    const accepted = await accept({ token: await mailedToken(elsewhere.user.email) }, elsewhere.headers);
    expect(accepted.statusCode).toBe(200);
    const me = (await as({ headers: { authorization: `Bearer ${accepted.json().accessToken}` } }).get('/auth/me')).json();
    expect(me.organizations.map((organization: { id: string }) => organization.id)).toContain(orgA);
    expect(me.subscription).toEqual({ plan: 'PREMIUM' });
    const subscription = await h.app.inject({ url: `/users/${elsewhere.userId}/subscription`, headers: root.headers });
    expect(subscription.json()).toMatchObject({ type: 'PREMIUM', status: 'ACTIVE' });
  });

  it('lets exactly one of 20 parallel acceptances through: one account, one membership', async () => {
    await invite(orgA, { email: 'racer@example.com' });
    const token = await mailedToken('racer@example.com');
    const results = await Promise.all(Array.from({ length: 20 }, () => accept({ token, password })));
    const statuses = results.map((result) => result.statusCode).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(400)]);
    expect(new Set(results.filter((result) => result.statusCode === 400).map((result) => result.json().code))).toEqual(
      new Set(['INVALID_INVITATION']),
    );
    const [count] = await queryRows<{ accounts: number; roles: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS accounts, (SELECT count(*)::int FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.email = 'racer@example.com') AS roles
          FROM users WHERE email = 'racer@example.com' AND organization_id = ${orgA}`,
    );
    expect(count).toEqual({ accounts: 1, roles: 1 });
  });

  it('answers a cancelled, an expired, a used and an unknown token with one identical 400', async () => {
    const tokens: Record<string, string> = {};
    const { invitation: cancelled } = (await invite(orgA, { email: 'cancelled@example.com' })).json();
    tokens.cancelled = await mailedToken('cancelled@example.com');
    expect((await as(adminA).send('DELETE', `/invitations/${cancelled.id}`)).statusCode).toBe(204);
    expect((await as(adminA).send('DELETE', `/invitations/${cancelled.id}`)).json().code).toBe('INVITATION_NOT_PENDING');

    await invite(orgA, { email: 'expired@example.com' });
    tokens.expired = await mailedToken('expired@example.com');
    expect(await h.app.modules.invitations.expireDue(new Date(Date.now() + 8 * 86_400_000))).toBeGreaterThan(0);

    await invite(orgA, { email: 'used@example.com' });
    tokens.used = await mailedToken('used@example.com');
    expect((await accept({ token: tokens.used, password })).statusCode).toBe(200);
    tokens.unknown = 'x'.repeat(43);

    const answers = new Set<string>();
    for (const token of Object.values(tokens)) {
      for (const res of [await lookup(token), await accept({ token, password })]) {
        expect(res.statusCode).toBe(400);
        const { instance: _instance, ...body } = res.json();
        answers.add(JSON.stringify(body));
      }
    }
    expect([...answers].map((answer) => JSON.parse(answer).code)).toEqual(['INVALID_INVITATION']);
    expect(await auditOf(cancelled.id)).toEqual(['invitation.created', 'invitation.cancelled']);
  });

  it('keeps one pending invitation per address: a second is 409, ?resend=true mails it again with a new link', async () => {
    const first = (await invite(orgA, { email: 'twice@example.com' })).json().invitation;
    const oldToken = await mailedToken('twice@example.com');
    const again = await invite(orgA, { email: 'twice@example.com' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'INVITATION_ALREADY_PENDING']);
    smtp.inbox.length = 0;
    const resent = await invite(orgA, { email: 'TWICE@example.com' }, adminA, '?resend=true');
    expect([resent.statusCode, resent.json().invitation.id]).toEqual([200, first.id]);
    const newToken = await mailedToken('twice@example.com');
    expect(newToken).not.toBe(oldToken);
    expect((await lookup(oldToken)).statusCode).toBe(400);
    expect((await lookup(newToken)).statusCode).toBe(200);

    // Resends count against the address's hourly mail cap (3 here).
    expect((await as(adminA).send('POST', `/invitations/${first.id}/resend`)).statusCode).toBe(200);
    expect((await as(adminA).send('POST', `/invitations/${first.id}/resend`)).statusCode).toBe(200);
    const capped = await as(adminA).send('POST', `/invitations/${first.id}/resend`);
    expect([capped.statusCode, capped.json().code]).toEqual([429, 'RATE_LIMITED']);
    expect(await auditOf(first.id)).toEqual(['invitation.created', 'invitation.resent', 'invitation.resent', 'invitation.resent']);

    const member = (await invite(orgA, { email: adminA.user.email })).json();
    expect(member.code).toBe('ALREADY_A_MEMBER');
  });

  it("answers another organization's invitations as missing ones, on list, show, resend and cancel", async () => {
    const { invitation } = (await invite(orgB, { email: 'b-invitee@example.com' }, adminB)).json();
    const missing = '01a20000-0000-7000-8000-000000000000';
    const pairs: [string, string][] = [
      [`/invitations/${invitation.id}`, `/invitations/${missing}`],
      [`/invitations/${invitation.id}/resend`, `/invitations/${missing}/resend`],
    ];
    for (const [theirs, none] of pairs) {
      const method = theirs.endsWith('resend') ? 'POST' : 'GET';
      const [a, b] = await Promise.all([theirs, none].map((url) => h.app.inject({ method, url, headers: adminA.headers })));
      expect([a?.statusCode, a?.json().code]).toEqual([404, 'INVITATION_NOT_FOUND']);
      expect(a?.json().detail).toBe(b?.json().detail);
    }
    expect((await as(adminA).send('DELETE', `/invitations/${invitation.id}`)).statusCode).toBe(404);
    expect((await as(adminA).get(`/organizations/${orgB}/invitations`)).json().code).toBe('ORGANIZATION_NOT_FOUND');
    expect((await invite(orgB, { email: 'sneaky@example.com' })).statusCode).toBe(404);
    const listed = (await as(adminA).get('/invitations?limit=100')).json().data as { organizationId: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((row) => row.organizationId === orgA)).toBe(true);
    expect((await as(adminB).get(`/invitations/${invitation.id}`)).json().status).toBe('PENDING');
  });

  it('refuses to pre-assign what the inviter does not hold', async () => {
    const exceeding = await invite(orgA, { email: 'too-much@example.com', permissions: [{ permission: 'roles:manage' }] });
    expect([exceeding.statusCode, exceeding.json().code]).toEqual([403, 'GRANT_EXCEEDS_OWN_ACCESS']);
    const superAdmin = await invite(orgA, { email: 'too-much@example.com', roles: ['SUPER_ADMIN'] });
    expect([superAdmin.statusCode, superAdmin.json().code]).toEqual([403, 'GRANT_EXCEEDS_OWN_ACCESS']);
    const unknown = await invite(orgA, { email: 'too-much@example.com', roles: ['NO_SUCH_ROLE'] });
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'UNKNOWN_ROLE']);
    const learner = await loginAs(h, { roles: ['LEARNER'], organizationId: orgA });
    expect((await invite(orgA, { email: 'too-much@example.com' }, learner)).statusCode).toBe(403);
    expect((await as(adminA).get('/invitations?email=too-much@example.com')).json().data).toEqual([]);
  });

  it('lists invitations newest first with a cursor, filtered by status and email', async () => {
    for (const n of [1, 2, 3]) await invite(orgA, { email: `paged${n}@example.com` });
    const page1 = (await as(adminA).get(`/organizations/${orgA}/invitations?status=PENDING&limit=2`)).json();
    expect(page1.data).toHaveLength(2);
    expect(page1.data.map((row: { email: string }) => row.email).slice(0, 2)).toEqual(['paged3@example.com', 'paged2@example.com']);
    const page2 = (await as(adminA).get(`/organizations/${orgA}/invitations?status=PENDING&limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.data[0].email).toBe('paged1@example.com');
    // The cursor is opaque: an invitation id where a cursor belongs is one that was never handed out.
    const rawId = await as(adminA).get(`/organizations/${orgA}/invitations?cursor=${page1.data[1].id}`);
    expect([rawId.statusCode, rawId.json().code]).toEqual([400, 'INVALID_CURSOR']);
    const byEmail = (await as(adminA).get(`/organizations/${orgA}/invitations?email=PAGED2@example.com`)).json();
    expect(byEmail.data.map((row: { email: string }) => row.email)).toEqual(['paged2@example.com']);
  });

  it('goes on past the last invitation of a page when that invitation is gone before the next page is asked for', async () => {
    for (const n of [1, 2, 3]) await invite(orgA, { email: `vanishing${n}@example.com` });
    const filtered = (cursor?: string) =>
      as(adminA).get(`/organizations/${orgA}/invitations?status=PENDING&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    const page1 = (await filtered()).json();
    expect(page1.data.map((row: { email: string }) => row.email)).toEqual(['vanishing3@example.com']);
    // The person at the address shown last signs up and is erased: their invitation goes with them.
    const registered = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'vanishing3@example.com', password: 'a passphrase long enough 42' },
    });
    expect(registered.statusCode).toBe(202);
    const root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    const [person] = (await as(root).get('/users?email=vanishing3@example.com')).json().data;
    expect((await as(root).send('DELETE', `/users/${person.id}?hard=true`)).statusCode).toBe(204);
    const page2 = (await filtered(page1.nextCursor)).json();
    expect(page2.data.map((row: { email: string }) => row.email)).toEqual(['vanishing2@example.com']);
    expect(page2.nextCursor).toEqual(expect.any(String));
  });

  it('records POST /users without a password as a set-password invitation the admin can list, resend and cancel', async () => {
    const created = await as(adminA).send('POST', '/users', { email: 'made-by-admin@example.com', firstName: 'Made', lastName: 'ByAdmin' });
    expect(created.statusCode).toBe(201);
    const userId = created.json().user.id;
    const [listed] = (await as(adminA).get('/invitations?email=made-by-admin@example.com')).json().data;
    expect(listed).toMatchObject({ purpose: 'SET_PASSWORD', userId, organizationId: orgA, status: 'PENDING' });
    const first = await mailedToken('made-by-admin@example.com', /account is ready/);
    expect((await lookup(first)).json()).toMatchObject({ accountExists: false, organization: { name: 'Acme Learning' } });
    smtp.inbox.length = 0;
    expect((await as(adminA).send('POST', `/invitations/${listed.id}/resend`)).statusCode).toBe(200);
    const second = await mailedToken('made-by-admin@example.com', /account is ready/);
    expect((await accept({ token: first, password })).statusCode).toBe(400);
    const accepted = await accept({ token: second, password });
    expect(accepted.json().user).toMatchObject({ id: userId, emailVerified: true, organizationId: orgA });
    expect((await login(h, 'made-by-admin@example.com', password)).accessToken).toBeTruthy();
  });
});
