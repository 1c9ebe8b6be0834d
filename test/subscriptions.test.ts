import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, loginAs } from './helpers/auth.js';

describe('subscriptions', () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    h = await createHarness({ preset: 'saas', config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    admin = await loginAs(h, { roles: ['super_admin'] });
  });
  afterAll(() => h.close());

  const call = (session: { headers: Record<string, string> }, method: 'GET' | 'PUT' | 'POST' | 'PATCH', url: string, payload?: object) =>
    h.app.inject({ method, url, headers: session.headers, ...(payload ? { payload } : {}) });

  it('sets a plan with its features, shows it in /auth/me and the token, and cancels it', async () => {
    const member = await loginAs(h, { roles: ['member'] });
    expect((await call(member, 'GET', '/users/me/subscription')).statusCode).toBe(404);
    const set = await call(admin, 'PUT', `/users/${member.userId}/subscription`, {
      type: 'PREMIUM',
      endDate: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({
      type: 'PREMIUM',
      status: 'ACTIVE',
      features: ['basic-profile', 'api-access', 'priority-support', 'audit-export'],
    });
    expect((await call(member, 'GET', '/users/me/subscription')).json().type).toBe('PREMIUM');
    expect((await call(member, 'GET', '/auth/me')).json().subscription).toEqual({ plan: 'PREMIUM' });

    const fresh = await h.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: member.user.email, password: member.user.password },
    });
    const claims = JSON.parse(Buffer.from(fresh.json().accessToken.split('.')[1], 'base64url').toString());
    expect(claims.plan).toBe('PREMIUM');

    const cancelled = await call(admin, 'POST', `/users/${member.userId}/subscription/cancel`);
    expect(cancelled.json()).toMatchObject({ status: 'CANCELLED', cancelledAt: expect.any(String) });
    expect((await call(admin, 'POST', `/users/${member.userId}/subscription/cancel`)).statusCode).toBe(404);
    expect((await call(member, 'GET', '/auth/me')).json().subscription).toBeNull();
    expect(
      (
        await call(admin, 'PUT', `/users/${member.userId}/subscription`, {
          type: 'BASIC',
          startDate: '2030-01-02T00:00:00Z',
          endDate: '2030-01-01T00:00:00Z',
        })
      ).json().code,
    ).toBe('INVALID_PERIOD');
  });

  it('grants a plan only within its period: not before it starts, and not past its end before the sweep (driven clock)', async () => {
    const member = await loginAs(h, { roles: ['member'] });
    const start = Date.now() + 5 * 60_000;
    const set = await call(admin, 'PUT', `/users/${member.userId}/subscription`, {
      type: 'PREMIUM',
      startDate: new Date(start).toISOString(),
      endDate: new Date(start + 5 * 60_000).toISOString(),
    });
    expect(set.json()).toMatchObject({ type: 'PREMIUM', status: 'ACTIVE' });
    const planNow = async () => (await call(member, 'GET', '/auth/me')).json().subscription;
    const planInToken = async () => {
      const fresh = await h.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: member.user.email, password: member.user.password },
      });
      return JSON.parse(Buffer.from(fresh.json().accessToken.split('.')[1], 'base64url').toString()).plan;
    };
    expect([await planNow(), await planInToken()]).toEqual([null, null]);
    try {
      // The answer cached before the start is not kept past it, nor the one cached within the period past its end.
      vi.useFakeTimers({ toFake: ['Date'], now: start + 60_000 });
      expect([await planNow(), await planInToken()]).toEqual([{ plan: 'PREMIUM' }, 'PREMIUM']);
      vi.setSystemTime(start + 6 * 60_000);
      expect([await planNow(), await planInToken()]).toEqual([null, null]);
    } finally {
      vi.useRealTimers();
    }
    // Not left for the expiry sweeps of the cases below.
    expect((await call(admin, 'POST', `/users/${member.userId}/subscription/cancel`)).statusCode).toBe(200);
  });

  it('records the same plan put several times at once as one change, the first time and after', async () => {
    const member = await createUser(h, { roles: ['member'] });
    const sets = async () => {
      const rows = await h.context.database.primary.execute(
        sql`SELECT payload FROM audit_logs WHERE action = 'subscription.set' AND payload->>'userId' = ${member.id} ORDER BY id`,
      );
      return ((rows as { rows?: { payload: unknown }[] }).rows ?? (rows as unknown as { payload: unknown }[])).map((row) => row.payload);
    };
    for (const [type, before] of [
      ['PREMIUM', null],
      ['BASIC', { type: 'PREMIUM', status: 'ACTIVE' }],
    ] as const) {
      const body = { type, startDate: '2030-01-01T00:00:00.000Z' };
      const answers = await Promise.all([0, 1, 2].map(() => call(admin, 'PUT', `/users/${member.id}/subscription`, body)));
      expect(answers.map((answer) => [answer.statusCode, answer.json().type])).toEqual(Array(3).fill([200, type]));
      expect((await sets()).at(-1)).toEqual({ userId: member.id, before, after: { type, status: 'ACTIVE' } });
    }
    expect(await sets()).toHaveLength(2);
  });

  it('marks past-due subscriptions EXPIRED in the scheduled sweep, with an audit row', async () => {
    const member = await loginAs(h, { roles: ['member'] });
    // Seconds ahead, so a loaded machine still sets it before it is due; then waited out.
    const endDate = Date.now() + 2000;
    const set = await call(admin, 'PUT', `/users/${member.userId}/subscription`, {
      type: 'BASIC',
      endDate: new Date(endDate).toISOString(),
    });
    expect(set.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, endDate - Date.now() + 100));
    expect(await h.app.modules.subscriptions.expireDue()).toBe(1);
    expect((await call(member, 'GET', '/users/me/subscription')).json().status).toBe('EXPIRED');
    expect(await h.app.modules.subscriptions.expireDue()).toBe(0);
    const rows = await h.context.database.primary.execute(sql`SELECT 1 FROM audit_logs WHERE action = 'subscription.expired'`);
    expect(((rows as { rows?: unknown[] }).rows ?? (rows as unknown[])).length).toBe(1);
  });

  it("expires a subscription in its user's organization, where that organization's administrators read it (driven clock)", async () => {
    const organizationId = await createOrganization(h, admin, 'Expiring');
    const member = await createUser(h, { roles: ['member'], organizationId });
    const orgAdmin = await loginAs(h, { roles: ['admin'], organizationId });
    const endDate = new Date(Date.now() + 3_600_000);
    const set = await call(admin, 'PUT', `/users/${member.id}/subscription`, { type: 'BASIC', endDate: endDate.toISOString() });
    expect(set.statusCode).toBe(200);
    expect(await h.app.modules.subscriptions.expireDue(new Date(endDate.getTime() - 1000))).toBe(0);
    expect(await h.app.modules.subscriptions.expireDue(new Date(endDate.getTime() + 1000))).toBe(1);
    expect((await call(admin, 'GET', `/users/${member.id}/subscription`)).json().status).toBe('EXPIRED');
    const audit = await call(orgAdmin, 'GET', '/audit-logs?action=subscription.expired');
    expect(audit.statusCode).toBe(200);
    expect(audit.json().data.map((row: { entityId: string }) => row.entityId)).toEqual([set.json().id]);
  });

  it("leaves the plan of an account holding more than an organization's administrator to whom may change that account", async () => {
    const organizationId = await createOrganization(h, admin, 'Plans held above');
    const orgAdmin = await loginAs(h, { roles: ['admin'], organizationId });
    const boss = await createUser(h, { roles: ['super_admin'], organizationId });
    const member = await createUser(h, { roles: ['member'], organizationId });
    expect((await call(orgAdmin, 'PUT', `/users/${member.id}/subscription`, { type: 'BASIC' })).statusCode).toBe(200);

    const downgraded = await call(orgAdmin, 'PUT', `/users/${boss.id}/subscription`, { type: 'FREE' });
    expect([downgraded.statusCode, downgraded.json().code]).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    expect((await call(admin, 'GET', `/users/${boss.id}/subscription`)).json().code).toBe('SUBSCRIPTION_NOT_FOUND');
    expect((await call(admin, 'PUT', `/users/${boss.id}/subscription`, { type: 'PREMIUM' })).statusCode).toBe(200);
    const cancelled = await call(orgAdmin, 'POST', `/users/${boss.id}/subscription/cancel`);
    expect([cancelled.statusCode, cancelled.json().code]).toEqual([403, 'ACCOUNT_HOLDS_MORE_ACCESS']);
    expect((await call(admin, 'GET', `/users/${boss.id}/subscription`)).json()).toMatchObject({ type: 'PREMIUM', status: 'ACTIVE' });
  });

  it('lets members read but not change their own plan', async () => {
    const member = await loginAs(h, { roles: ['member'] });
    expect((await call(member, 'PUT', '/users/me/subscription', { type: 'PREMIUM' })).statusCode).toBe(403);
    expect((await call(member, 'POST', '/users/me/subscription/cancel')).statusCode).toBe(403);
  });

  it("lists the preset's plans with their active subscriptions, creates one and edits its features", async () => {
    const premium = async () => {
      const listed = await call(admin, 'GET', '/subscription-plans');
      expect(listed.statusCode).toBe(200);
      return listed.json().data.find((plan: { name: string }) => plan.name === 'PREMIUM');
    };
    const before = (await premium()).subscribers;
    const member = await loginAs(h, { roles: ['member'] });
    await call(admin, 'PUT', `/users/${member.userId}/subscription`, { type: 'PREMIUM' });
    expect(await premium()).toMatchObject({ subscribers: before + 1, features: expect.arrayContaining(['api-access']) });

    const created = await call(admin, 'POST', '/subscription-plans', { name: 'TEAM', description: 'Teams', features: ['sso'] });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'TEAM', description: 'Teams', features: ['sso'], subscribers: 0 });
    expect((await call(admin, 'POST', '/subscription-plans', { name: 'TEAM' })).json().code).toBe('NAME_ALREADY_EXISTS');

    const edited = await call(admin, 'PATCH', `/subscription-plans/${created.json().id}`, { features: ['sso', 'audit-export'] });
    expect(edited.statusCode).toBe(200);
    expect(edited.json().features).toEqual(['sso', 'audit-export']);
    // A subscription put on the plan afterwards gets the edited features.
    const put = await call(admin, 'PUT', `/users/${member.userId}/subscription`, { type: 'TEAM' });
    expect(put.json().features).toEqual(['sso', 'audit-export']);

    const audit = await call(admin, 'GET', `/audit-logs?action=subscription_plan.updated`);
    expect(audit.json().data[0]).toMatchObject({ entityId: created.json().id });
  });

  it('refuses plan changes without subscriptions:manage and an unknown plan', async () => {
    const reader = await loginAs(h, { permissions: ['subscriptions:read'] });
    expect((await call(reader, 'GET', '/subscription-plans')).statusCode).toBe(200);
    expect((await call(reader, 'POST', '/subscription-plans', { name: 'GOLD' })).statusCode).toBe(403);
    const missing = await call(admin, 'PATCH', '/subscription-plans/0190a8e4-0000-7000-8000-000000000000', { features: [] });
    expect(missing.json().code).toBe('PLAN_NOT_FOUND');
  });

  it("keeps the plan catalogue, every organization's, to cross-tenant administrators, and counts an organization's own subscribers for its administrator", async () => {
    const [orgA, orgB] = [await createOrganization(h, admin, 'Plans A'), await createOrganization(h, admin, 'Plans B')];
    const adminA = await loginAs(h, { roles: ['admin'], organizationId: orgA });
    for (const organizationId of [orgA, orgB, orgB]) {
      const user = await createUser(h, { roles: ['member'], organizationId });
      expect((await call(admin, 'PUT', `/users/${user.id}/subscription`, { type: 'BASIC' })).statusCode).toBe(200);
    }
    const basic = async (session: typeof admin) =>
      (await call(session, 'GET', '/subscription-plans')).json().data.find((plan: { name: string }) => plan.name === 'BASIC');
    const everywhere = await basic(admin);
    expect(everywhere.subscribers).toBeGreaterThanOrEqual(3);
    expect((await basic(adminA)).subscribers).toBe(1);

    const created = await call(adminA, 'POST', '/subscription-plans', { name: 'ORG_A_ONLY', features: ['x'] });
    expect([created.statusCode, created.json().code]).toEqual([403, 'SHARED_CATALOG']);
    const edited = await call(adminA, 'PATCH', `/subscription-plans/${everywhere.id}`, { features: ['hijacked'] });
    expect([edited.statusCode, edited.json().code]).toEqual([403, 'SHARED_CATALOG']);
    const after = (await call(admin, 'GET', '/subscription-plans')).json().data as { name: string; features: string[] }[];
    expect(after.map((plan) => plan.name)).not.toContain('ORG_A_ONLY');
    expect(after.find((plan) => plan.name === 'BASIC')?.features).toEqual(everywhere.features);
  });
});
