import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, login, loginAs } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

describe('users: admin API and self-service', () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({ config: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    admin = await loginAs(h, { roles: ['admin'], email: 'root@example.com' });
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });

  const as = (session: { headers: Record<string, string> }) => ({
    get: (url: string) => h.app.inject({ method: 'GET', url, headers: session.headers }),
    send: (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({ method, url, headers: session.headers, ...(payload ? { payload } : {}) }),
  });

  it('finds users by email whatever its case, lists active users by role newest first, and answers whether an email exists', async () => {
    const api = as(admin);
    await createUser(h, { email: 'Grace.Hopper@Example.com'.toLowerCase(), firstName: 'Grace', lastName: 'Hopper', roles: ['user'] });
    expect((await api.get('/users/check-email?email=GRACE.HOPPER@EXAMPLE.COM')).json()).toEqual({ exists: true });
    expect((await api.get('/users/check-email?email=nobody@example.com')).json()).toEqual({ exists: false });
    const found = await api.get('/users?search=GRACE.hopper');
    expect(found.json().data.map((user: { email: string }) => user.email)).toEqual(['grace.hopper@example.com']);

    for (let i = 0; i < 4; i++) await createUser(h, { roles: ['user'], firstName: `Listed${i}` });
    await createUser(h, { roles: ['user'], status: 'SUSPENDED' });
    const page1 = (await api.get('/users?role=user&status=ACTIVE&page=1&limit=2')).json();
    const page2 = (await api.get('/users?role=user&status=ACTIVE&page=2&limit=2')).json();
    expect(page1).toMatchObject({ total: 5, totalExact: true, page: 1 });
    expect(page1.data).toHaveLength(2);
    const dates = [...page1.data, ...page2.data].map((user: { createdAt: string }) => user.createdAt);
    expect(dates).toEqual([...dates].sort().reverse());
    expect([...page1.data, ...page2.data].every((user: { status: string }) => user.status === 'ACTIVE')).toBe(true);
  });

  it('names the field of a user that points at no organization or user type', async () => {
    const nowhere = '01a20000-0000-7000-8000-000000000000';
    for (const [field, table] of [
      ['organizationId', 'organizations'],
      ['userTypeId', 'user_types'],
    ] as const) {
      const made = await as(admin).send('POST', '/users', {
        email: `nowhere-${field}@example.com`,
        firstName: 'No',
        lastName: 'Where',
        [field]: nowhere,
      });
      expect([made.statusCode, made.json().code, made.json().detail]).toEqual([
        409,
        'REFERENCE_CONFLICT',
        `${field} names no row of ${table}.`,
      ]);
    }
  });

  it('walks deep pages with an opaque cursor, with no repeats or gaps', async () => {
    const api = as(admin);
    const all = (await api.get('/users?limit=100&sort=email&order=asc')).json().data.map((user: { id: string }) => user.id);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.get(`/users?limit=2&sort=email&order=asc${cursor ? `&cursor=${cursor}` : ''}`);
      const body = res.json();
      walked.push(...body.data.map((user: { id: string }) => user.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all);
    expect((await api.get('/users?cursor=bm90LWEtY3Vyc29y')).json().code).toBe('INVALID_CURSOR');
    expect((await api.get('/users?limit=1000')).statusCode).toBe(400);
  });

  it('searches accent- and case-insensitively over names', async () => {
    await createUser(h, { firstName: 'Zoë', lastName: 'Müller' });
    const res = await as(admin).get('/users?search=zoe%20muller');
    expect(res.json().data.map((user: { lastName: string }) => user.lastName)).toEqual(['Müller']);
  });

  it('creates users with a password, or mails a set-password link (POST /users)', async () => {
    const api = as(admin);
    const withPassword = await api.send('POST', '/users', {
      email: 'Made@Example.com',
      password: 'an admin-set passphrase',
      firstName: 'Made',
      lastName: 'ByAdmin',
    });
    expect(withPassword.statusCode).toBe(201);
    expect(withPassword.json().user).toMatchObject({ email: 'made@example.com', status: 'ACTIVE', emailVerified: false });
    expect(JSON.stringify(withPassword.json())).not.toMatch(/password/i);
    expect((await login(h, 'made@example.com', 'an admin-set passphrase')).accessToken).toBeTruthy();

    const invited = await api.send('POST', '/users', { email: 'invited@example.com', name: 'In Vited' });
    expect(invited.statusCode).toBe(201);
    // A user made without a password gets an invitation: the set-password link is an invitation's, accepted like one.
    const mail = await smtp.waitFor('invited@example.com', /account is ready/);
    expect(mail.link).toMatch(/^https:\/\/tessera\.test\/accept-invitation\?token=/);
    const reset = await h.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      payload: { token: tokenOf(mail.link), password: 'my very own passphrase' },
    });
    expect(reset.statusCode).toBe(200);
    const invitedLogin = await h.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'invited@example.com', password: 'my very own passphrase' },
    });
    expect(invitedLogin.json().user).toMatchObject({ emailVerified: true, firstName: 'In', lastName: 'Vited' });

    const duplicate = await api.send('POST', '/users', { email: 'MADE@example.com', firstName: 'Again', lastName: 'Again' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().code).toBe('EMAIL_ALREADY_EXISTS');
  });

  it('returns a user with all relations (GET /users/{id}), and replaces or patches them', async () => {
    const api = as(admin);
    const user = await createUser(h, { roles: ['user'], permissions: ['audit:read'] });
    const detail = await api.get(`/users/${user.id}?include=profile,roles,permissions,subscription,organization`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      id: user.id,
      profile: { timezone: 'UTC', language: 'en', profileVisibility: 'ORGANIZATION' },
      roles: [{ name: 'user' }],
      permissions: ['audit:read'],
      subscription: null,
      organization: null,
    });
    expect(detail.body).not.toMatch(/passwordHash|argon2/);

    const replaced = await api.send('PUT', `/users/${user.id}`, {
      email: user.email,
      username: 'replaced',
      phone: '+14155550100',
      firstName: 'Re',
      lastName: 'Placed',
      organizationId: null,
      userTypeId: null,
    });
    expect(replaced.json()).toMatchObject({ username: 'replaced', phone: '+14155550100', firstName: 'Re' });
    expect((await api.send('PUT', `/users/${user.id}`, { firstName: 'Only' })).statusCode).toBe(400);
    const patched = await api.send('PATCH', `/users/${user.id}`, { lastName: 'Patched' });
    expect(patched.json()).toMatchObject({ firstName: 'Re', lastName: 'Patched', username: 'replaced' });
    const taken = await api.send('PATCH', `/users/${user.id}`, { username: 'REPLACED' });
    expect(taken.statusCode).toBe(200);
    const other = await createUser(h);
    const clash = await api.send('PATCH', `/users/${other.id}`, { username: 'Replaced' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().code).toBe('USERNAME_ALREADY_EXISTS');
  });

  it("lets an administrator change a user's profile with PATCH /users/{id}, audited as the person's own change is", async () => {
    const api = as(admin);
    const user = await createUser(h, { roles: ['user'] });
    const profile = { bio: 'Teaches maths', timezone: 'Europe/Berlin', language: 'de', city: 'Berlin', showEmail: true };
    const patched = await api.send('PATCH', `/users/${user.id}`, { lastName: 'Noether', profile });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ lastName: 'Noether' });
    expect((await api.get(`/users/${user.id}?include=profile`)).json().profile).toMatchObject(profile);
    const audited = await queryRows<{ action: string; fields: string[] }>(
      h.context.database.primary,
      sql`SELECT action, payload->'fields' AS fields FROM audit_logs WHERE entity_id = ${user.id} AND action = 'profile.updated'`,
    );
    expect(audited).toEqual([{ action: 'profile.updated', fields: ['bio', 'timezone', 'language', 'city', 'showEmail'] }]);
    // The profile's own checks hold here too, and a field it does not have is refused by name.
    const invalid = await api.send('PATCH', `/users/${user.id}`, { profile: { timezone: 'Mars/Olympus' } });
    expect(invalid.json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ path: '/profile/timezone' }] });
    const unknown = await api.send('PATCH', `/users/${user.id}`, { profile: { userId: admin.userId } });
    expect(unknown.json()).toMatchObject({ code: 'FIELD_NOT_ALLOWED', errors: [{ path: '/profile/userId' }] });
    // A person may change their own profile here as at PUT /users/profile; someone holding more access than the caller may not be changed.
    const me = await loginAs(h);
    expect((await as(me).send('PATCH', '/users/me', { profile: { bio: 'mine' } })).statusCode).toBe(200);
    const reader = await loginAs(h, { permissions: ['users:read', 'users:write'] });
    const stronger = await as(reader).send('PATCH', `/users/${admin.userId}`, { profile: { bio: 'taken over' } });
    expect([stronger.statusCode, stronger.json().code]).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    expect((await api.get(`/users/${admin.userId}?include=profile`)).json().profile.bio).toBeNull();
  });

  it('takes a single `name` on updates as on creation: the first word the first name, the rest the last', async () => {
    const target = await createUser(h, { firstName: 'Old', lastName: 'Name' });
    const patched = await as(admin).send('PATCH', `/users/${target.id}`, { name: 'Grace Brewster Hopper' });
    expect([patched.statusCode, patched.json().firstName, patched.json().lastName]).toEqual([200, 'Grace', 'Brewster Hopper']);
    // A name given apart wins over that word of `name`.
    const mixed = await as(admin).send('PATCH', `/users/${target.id}`, { name: 'Ada Lovelace', lastName: 'King' });
    expect([mixed.json().firstName, mixed.json().lastName]).toEqual(['Ada', 'King']);

    const self = await loginAs(h, { firstName: 'Before', lastName: 'Renaming' });
    const own = await as(self).send('PATCH', '/users/me', { name: 'Katherine Johnson' });
    expect([own.statusCode, own.json().firstName, own.json().lastName]).toEqual([200, 'Katherine', 'Johnson']);
    const profile = await as(self).send('PUT', '/users/profile', { name: 'Dorothy Vaughan' });
    expect([profile.statusCode, profile.json().firstName, profile.json().lastName]).toEqual([200, 'Dorothy', 'Vaughan']);
    const [change] = await queryRows<{ payload: { changes: Record<string, unknown> } }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE action = 'user.self_updated' AND entity_id = ${self.userId} ORDER BY created_at DESC LIMIT 1`,
    );
    expect(Object.keys(change?.payload.changes ?? {}).sort()).toEqual(['firstName', 'lastName']);
  });

  it('keeps whether a phone is proven: an administrator says so, a new number is not, and lists find users by phone or email', async () => {
    const api = as(admin);
    const noPhone = await api.send('POST', '/users', { email: 'no.phone@example.com', phoneVerified: true });
    expect([noPhone.statusCode, noPhone.json().errors]).toEqual([400, [{ path: '/phoneVerified', message: 'needs a phone number' }]]);
    const created = await api.send('POST', '/users', { email: 'Proven.Phone@example.com', phone: '+14155550177', phoneVerified: true });
    expect([created.statusCode, created.json().user.phoneVerified]).toEqual([201, true]);
    const id = created.json().user.id;

    const byPhone = (await api.get('/users?phone=%2B14155550177')).json();
    expect(byPhone.data.map((user: { id: string }) => user.id)).toEqual([id]);
    expect((await api.get('/users?email=PROVEN.PHONE@example.com')).json().data.map((user: { id: string }) => user.id)).toEqual([id]);
    expect((await api.get('/users?phone=%2B14155550177&phoneVerified=false')).json().data).toEqual([]);
    expect((await api.get('/users?phone=0800')).statusCode).toBe(400);

    // Another number is not proven by the proof of the last one; the administrator may say it is, or take it back.
    const moved = await api.send('PATCH', `/users/${id}`, { phone: '+14155550178' });
    expect(moved.json().phoneVerified).toBe(false);
    expect((await api.send('PATCH', `/users/${id}`, { phoneVerified: true })).json().phoneVerified).toBe(true);
    const [audited] = await queryRows<{ payload: { changes: Record<string, unknown> } }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE action = 'user.updated' AND entity_id = ${id} ORDER BY created_at DESC LIMIT 1`,
    );
    expect(audited?.payload.changes).toEqual({ phoneVerified: { before: false, after: true } });
    expect((await api.send('PATCH', `/users/${id}`, { phoneVerified: false })).json().phoneVerified).toBe(false);
    const cleared = await api.send('PATCH', `/users/${id}`, { phone: null, phoneVerified: true });
    expect([cleared.statusCode, cleared.json().code]).toEqual([400, 'VALIDATION_FAILED']);

    // Nobody proves their own number.
    const self = await loginAs(h);
    const own = await as(self).send('PATCH', '/users/me', { phoneVerified: true });
    expect([own.statusCode, own.json().code]).toEqual([400, 'FIELD_NOT_ALLOWED']);
  });

  it("needs re-verification after an administrator's email change and tells the old address", async () => {
    const user = await createUser(h, { email: 'old-address@example.com' });
    const res = await as(admin).send('PATCH', `/users/${user.id}`, { email: 'New-Address@example.com' });
    expect(res.json()).toMatchObject({ email: 'new-address@example.com', emailVerified: false, pendingEmail: null });
    await smtp.waitFor('old-address@example.com', /was changed/);
    const confirm = await smtp.waitFor('new-address@example.com', /Confirm your email/);
    expect((await h.app.inject({ method: 'POST', url: '/auth/verify-email', payload: { token: tokenOf(confirm.link) } })).statusCode).toBe(
      204,
    );
  });

  it('soft-deletes (status INACTIVE), ending sessions at once, and restores', async () => {
    const api = as(admin);
    const target = await loginAs(h);
    expect((await api.send('DELETE', `/users/${target.userId}`)).statusCode).toBe(204);
    expect((await api.get(`/users/${target.userId}`)).json()).toMatchObject({ status: 'INACTIVE' });
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: target.headers })).statusCode).toBe(401);
    expect(
      (await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: target.user.email, password: target.user.password } }))
        .statusCode,
    ).toBe(401);
    const restored = await api.send('POST', `/users/${target.userId}/restore`);
    expect(restored.json()).toMatchObject({ status: 'ACTIVE', statusReason: null });
    expect((await login(h, target.user.email, target.user.password)).accessToken).toBeTruthy();
  });

  it('suspends with a reason, cutting access at once, and reactivates', async () => {
    const api = as(admin);
    const target = await loginAs(h);
    const suspended = await api.send('POST', `/users/${target.userId}/suspend`, { reason: 'Chargeback' });
    expect(suspended.json()).toMatchObject({ status: 'SUSPENDED', statusReason: 'Chargeback' });
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers: target.headers })).statusCode).toBe(401);
    expect((await api.send('POST', `/users/${target.userId}/activate`)).json().status).toBe('ACTIVE');
    const [audit] = await queryRows<{ payload: { changes: { statusReason: { after: string } } } }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE action = 'user.suspended' AND entity_id = ${target.userId}`,
    );
    expect(audit?.payload.changes.statusReason.after).toBe('Chargeback');
  });

  it('erases a user for good, keeping only an id-level audit event and how many rows naming them were erased', async () => {
    const api = as(admin);
    const target = await createUser(h, { email: 'forget-me@example.com' });
    expect((await api.send('DELETE', `/users/${target.id}?hard=true`)).statusCode).toBe(204);
    expect((await api.get(`/users/${target.id}`)).statusCode).toBe(404);
    const rows = await queryRows<{ payload: unknown }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE action = 'user.erased' AND entity_id = ${target.id}`,
    );
    expect(rows).toEqual([
      {
        payload: {
          erasedRows: { auditTrail: expect.any(Number), webhookDeliveries: 0, invitations: expect.any(Number), mails: expect.any(Number) },
        },
      },
    ]);
    const [left] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM profiles WHERE user_id = ${target.id}`,
    );
    expect(left?.n).toBe(0);
  });

  it("erases the mails to the person's addresses that name no account (an invitation mailed before they signed up), not another account's", async () => {
    const api = as(admin);
    const mailsTo = async (address: string) =>
      queryRows<{ template: string }>(
        h.context.database.primary,
        sql`SELECT template FROM email_outbox WHERE to_address = ${address} ORDER BY template`,
      );
    const organizationId = await createOrganization(h, admin, 'Outbox Erasure Works');
    const invited = await api.send('POST', `/organizations/${organizationId}/invitations`, { email: 'mailed-first@example.com' });
    expect(invited.statusCode, invited.body).toBe(201);
    const registered = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'mailed-first@example.com', password: 'a passphrase long enough 42' },
    });
    expect(registered.statusCode).toBe(202);
    const [person] = await queryRows<{ id: string }>(
      h.context.database.primary,
      sql`SELECT id FROM users WHERE email = 'mailed-first@example.com'`,
    );
    // The person moves to another address; someone else then signs up with their first one.
    expect((await api.send('PATCH', `/users/${person?.id}`, { email: 'mailed-second@example.com' })).statusCode).toBe(200);
    const successor = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'mailed-first@example.com', password: 'another passphrase long enough 43' },
    });
    expect(successor.statusCode).toBe(202);
    expect(await mailsTo('mailed-first@example.com')).toEqual(
      ['emailChangedByAdmin', 'invitation', 'verifyEmail', 'verifyEmail'].map((template) => ({ template })),
    );

    expect((await api.send('DELETE', `/users/${person?.id}?hard=true`)).statusCode).toBe(204);

    expect(await mailsTo('mailed-first@example.com')).toEqual([{ template: 'verifyEmail' }]);
    expect(await mailsTo('mailed-second@example.com')).toEqual([]);
    const [erasure] = await queryRows<{ payload: { erasedRows: Record<string, number> } }>(
      h.context.database.primary,
      sql`SELECT payload FROM audit_logs WHERE action = 'user.erased' AND entity_id = ${person?.id}`,
    );
    expect(erasure?.payload.erasedRows.mails).toBeGreaterThanOrEqual(2);
  });

  it("erases the person's mails with them: no outbox row names them or their address afterwards", async () => {
    const target = await createUser(h, { email: 'forget-my-mails@example.com' });
    const forgot = await h.app.inject({ method: 'POST', url: '/auth/forgot-password', payload: { email: target.email } });
    expect(forgot.statusCode).toBe(202);
    const mailsOf = async () =>
      (
        await queryRows<{ n: number }>(
          h.context.database.primary,
          sql`SELECT count(*)::int AS n FROM email_outbox WHERE user_id = ${target.id} OR to_address = ${target.email}`,
        )
      )[0]?.n;
    expect(await mailsOf()).toBe(1);
    expect((await as(admin).send('DELETE', `/users/${target.id}?hard=true`)).statusCode).toBe(204);
    expect(await mailsOf()).toBe(0);
  });

  it('answers 404 to a PATCH that loses the race to an erasure, writing nothing after it', async () => {
    const target = await createUser(h);
    // The erasure holds the row while the PATCH reads it and waits to update it; then the erasure commits.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let erased = () => {};
    const rowErased = new Promise<void>((resolve) => {
      erased = resolve;
    });
    const erasing = h.context.database.primary.transaction(async (tx) => {
      await tx.execute(sql`DELETE FROM users WHERE id = ${target.id}`);
      erased();
      await held;
    });
    await rowErased;
    const patched = as(admin).send('PATCH', `/users/${target.id}`, { firstName: 'Too late' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await erasing;
    const res = await patched;
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('USER_NOT_FOUND');
    const rows = await queryRows(
      h.context.database.primary,
      sql`SELECT id FROM audit_logs WHERE action = 'user.updated' AND entity_id = ${target.id}`,
    );
    expect(rows).toEqual([]);
  });

  it('records a change that changes nothing as nothing', async () => {
    const target = await createUser(h, { firstName: 'Same' });
    const api = as(admin);
    expect((await api.send('PATCH', `/users/${target.id}`, { firstName: 'Same' })).statusCode).toBe(200);
    expect((await api.send('POST', `/users/${target.id}/activate`)).statusCode).toBe(200);
    const actions = async () =>
      (
        await queryRows<{ action: string }>(
          h.context.database.primary,
          sql`SELECT action FROM audit_logs WHERE entity_id = ${target.id} ORDER BY id`,
        )
      ).map((row) => row.action);
    expect(await actions()).toEqual([]);
    await api.send('PATCH', `/users/${target.id}`, { firstName: 'Other' });
    expect(await actions()).toEqual(['user.updated']);
  });

  it('records the same change sent several times at once as one change', async () => {
    const api = as(admin);
    for (let round = 0; round < 3; round++) {
      const target = await createUser(h, { firstName: 'Before' });
      const answers = await Promise.all(
        [0, 1, 2].map(() => api.send('PATCH', `/users/${target.id}`, { firstName: 'After', profile: { bio: 'Changed once' } })),
      );
      expect(answers.map((answer) => [answer.statusCode, answer.json().firstName])).toEqual(Array(3).fill([200, 'After']));
      const changes = await queryRows<{ action: string; payload: unknown }>(
        h.context.database.primary,
        sql`SELECT action, payload FROM audit_logs WHERE entity_id = ${target.id} AND action IN ('user.updated', 'profile.updated') ORDER BY id`,
      );
      expect(changes.map((row) => row.action).sort()).toEqual(['profile.updated', 'user.updated']);
    }
  });

  it('leaves a user suspended and deactivated at once deactivated, whichever goes first', async () => {
    const api = as(admin);
    for (let round = 0; round < 8; round++) {
      const target = await createUser(h);
      const answers = await Promise.all([
        api.send('POST', `/users/${target.id}/suspend`, { reason: 'Chargeback' }),
        api.send('DELETE', `/users/${target.id}`),
      ]);
      const [suspended, deactivated] = answers.map((answer) => answer.statusCode);
      expect(deactivated).toBe(204);
      // Suspended first, then deactivated; or refused, as a deactivated user is not suspended.
      if (suspended !== 200) expect([suspended, answers[0]?.json().code]).toEqual([409, 'USER_STATUS_CONFLICT']);
      expect((await api.get(`/users/${target.id}`)).json()).toMatchObject({ status: 'INACTIVE' });
    }
  });

  it('keeps the last super-admin', async () => {
    const api = as(admin);
    for (const [method, url] of [
      ['POST', `/users/${admin.userId}/suspend`],
      ['DELETE', `/users/${admin.userId}`],
    ] as const) {
      const res = await api.send(method, url);
      expect(res.statusCode).toBe(409);
    }
    const superRole = (await api.get('/roles')).json().data.find((role: { name: string }) => role.name === 'admin');
    const demote = await api.send('DELETE', `/users/${admin.userId}/roles/${superRole.id}`);
    expect(demote.statusCode).toBe(409);
    expect(demote.json().code).toBe('LAST_SUPER_ADMIN');
  });

  it('serves the learner profile: user, profile, preferences, stats — and updates them together', async () => {
    const me = await loginAs(h);
    const api = as(me);
    const profile = await api.get('/users/profile');
    // The learning module counts the sign-in into the statistics.
    expect(profile.json()).toMatchObject({ id: me.userId, profile: { timezone: 'UTC' }, preferences: null, stats: { totalLogins: 1 } });
    const updated = await api.send('PUT', '/users/profile', {
      firstName: 'Self',
      profile: { bio: 'Hello', timezone: 'Europe/Paris', gender: 'PREFER_NOT_TO_SAY', linkedinUrl: 'https://linkedin.example/in/self' },
      preferences: { visualScore: 0.9, difficultyPreference: 'ADVANCED', reminderTime: '08:30' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      firstName: 'Self',
      profile: { bio: 'Hello', timezone: 'Europe/Paris', gender: 'PREFER_NOT_TO_SAY' },
      preferences: { visualScore: 0.9, difficultyPreference: 'ADVANCED', reminderTime: '08:30', pacePreference: 'MODERATE' },
    });
    expect((await api.send('PUT', '/users/profile', { preferences: { visualScore: 2 } })).statusCode).toBe(400);
    expect((await api.send('PUT', '/users/profile', { profile: { linkedinUrl: 'javascript:alert(1)' } })).statusCode).toBe(400);
    expect((await api.get('/users/me')).json().firstName).toBe('Self');
  });

  it('refuses, by name, every field nobody may set on themselves', async () => {
    const me = await loginAs(h);
    const api = as(me);
    for (const field of [
      'roles',
      'permissions',
      'status',
      'organizationId',
      'userTypeId',
      'emailVerified',
      'passwordHash',
      'emailVerifiedAt',
    ]) {
      const value =
        field === 'roles' || field === 'permissions' ? ['admin'] : field.endsWith('Id') ? '00000000-0000-7000-8000-000000000000' : 'ACTIVE';
      const viaProfile = await api.send('PUT', '/users/profile', { [field]: value });
      expect(viaProfile.statusCode, field).toBe(400);
      expect(viaProfile.json()).toMatchObject({ code: 'FIELD_NOT_ALLOWED', errors: [{ path: `/${field}` }] });
      const viaUser = await api.send('PATCH', '/users/me', { [field]: value });
      expect(viaUser.statusCode, field).toBe(400);
    }
    const nested = await api.send('PUT', '/users/profile', { profile: { userId: admin.userId } });
    expect(nested.json()).toMatchObject({ code: 'FIELD_NOT_ALLOWED', errors: [{ path: '/profile/userId' }] });
    const own = await api.send('PATCH', '/users/me', { organizationId: null });
    expect(own.json()).toMatchObject({ code: 'FIELD_NOT_ALLOWED', errors: [{ path: '/organizationId' }] });
    expect((await api.get('/auth/me')).json()).toMatchObject({ roles: [], permissions: [], status: 'ACTIVE' });
  });

  it('answers 403 to a plain user on every admin route', async () => {
    const plain = await loginAs(h, { roles: ['user'] });
    const other = await createUser(h);
    const api = as(plain);
    const attempts = [
      api.get('/users'),
      api.get('/users/check-email?email=a@example.com'),
      api.send('POST', '/users', { email: 'x@example.com' }),
      api.get(`/users/${other.id}`),
      api.send('PATCH', `/users/${other.id}`, { firstName: 'X' }),
      api.send('DELETE', `/users/${other.id}`),
      api.send('POST', `/users/${other.id}/suspend`),
      api.send('POST', `/users/${plain.userId}/roles`, { roles: ['admin'] }),
      api.send('POST', `/users/me/permissions`, { permissions: ['users:read'] }),
      api.get('/roles'),
      api.send('POST', '/roles', { name: 'mine', permissions: [] }),
      api.get('/audit-logs'),
      api.get(`/users/${other.id}/export`),
      api.send('PUT', `/users/me/subscription`, { type: 'PREMIUM' }),
      api.send('POST', '/organizations', { name: 'Mine' }),
    ];
    const statuses = (await Promise.all(attempts)).map((res) => res.statusCode);
    expect(statuses).toEqual(attempts.map(() => 403));
    expect((await api.get('/users/me')).statusCode).toBe(200);
    expect((await api.get(`/users/${plain.userId}/export`)).statusCode).toBe(200);
  });

  it("lists a user's sessions and signs them out everywhere", async () => {
    const target = await loginAs(h);
    const sessions = await as(admin).get(`/users/${target.userId}/sessions`);
    expect(sessions.json().data).toHaveLength(1);
    expect((await as(target).get('/users/me/sessions')).json().data[0].current).toBe(true);
    expect((await as(admin).send('DELETE', `/users/${target.userId}/sessions`)).statusCode).toBe(204);
    expect((await as(target).get('/auth/me')).statusCode).toBe(401);
  });

  it("ends one of a user's sessions, leaving the others", async () => {
    const target = await loginAs(h);
    const second = await login(h, target.user.email, target.user.password);
    const listed = (await as(admin).get(`/users/${target.userId}/sessions`)).json().data as { id: string }[];
    expect(listed).toHaveLength(2);
    const kept = (await as(second).get('/users/me/sessions')).json().data.find((session: { current: boolean }) => session.current);
    const ended = listed.find((session) => session.id !== kept.id) as { id: string };
    expect((await as(admin).send('DELETE', `/users/${target.userId}/sessions/${ended.id}`)).statusCode).toBe(204);
    expect((await as(target).get('/auth/me')).statusCode).toBe(401);
    expect((await as(second).get('/auth/me')).statusCode).toBe(200);
    expect((await as(admin).get(`/users/${target.userId}/sessions`)).json().data).toHaveLength(1);
    // A session of someone else through this user's path is not found, and not ended.
    const other = await loginAs(h);
    const [otherSession] = (await as(admin).get(`/users/${other.userId}/sessions`)).json().data as { id: string }[];
    const foreign = await as(admin).send('DELETE', `/users/${target.userId}/sessions/${otherSession?.id}`);
    expect([foreign.statusCode, foreign.json().code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect((await as(other).get('/auth/me')).statusCode).toBe(200);
  });

  it('exports a whole record without secrets (GDPR)', async () => {
    const me = await loginAs(h);
    await h.app.inject({ method: 'POST', url: '/auth/api-keys', headers: me.headers, payload: { name: 'ci', scopes: [] } });
    const res = await as(me).get('/users/me/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    const body = res.json();
    expect(body).toMatchObject({ user: { id: me.userId }, profile: { timezone: 'UTC' }, apiKeys: [{ name: 'ci' }] });
    expect(body.sessions.length).toBeGreaterThan(0);
    expect(res.body).not.toMatch(/argon2|keyHash|tokenHash|tsk_[A-Za-z0-9_-]{20}/);
  });

  it('keeps one profile per user (one-to-one)', async () => {
    const user = await createUser(h);
    const [row] = await queryRows<{ n: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS n FROM profiles WHERE user_id = ${user.id}`,
    );
    expect(row?.n).toBe(1);
    await expect(
      h.context.database.primary.execute(sql`INSERT INTO profiles (id, user_id) VALUES (gen_random_uuid(), ${user.id})`),
    ).rejects.toThrow();
  });

  it("reads a person inside another module's statement exactly as findById does", async () => {
    const { id } = await createUser(h, { roles: ['user'], firstName: 'Ada', status: 'SUSPENDED' });
    const db = h.context.database.primary;
    await db.execute(sql`UPDATE users SET email_verified_at = now(), last_login_at = now() - interval '1 day' WHERE id = ${id}`);
    const users = h.app.modules.users;
    const [row] = await queryRows<{ person: Record<string, unknown> | null }>(db, sql`SELECT ${users.asJson(sql`${id}::uuid`)} AS person`);
    expect(row?.person).not.toBeNull();
    expect(users.fromJson(row?.person as Record<string, unknown>)).toEqual(await users.findById(db, id));
    const [none] = await queryRows<{ person: unknown }>(db, sql`SELECT ${users.asJson(sql`${crypto.randomUUID()}::uuid`)} AS person`);
    expect(none?.person).toBeNull();
  });
});
