import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

describe('subscription plans (seed 004)', () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    h = await createHarness({ preset: 'saas', config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    admin = await loginAs(h, { roles: ['super_admin'] });
  });
  afterAll(() => h.close());

  const call = (session: { headers: Record<string, string> }, method: 'GET' | 'PUT' | 'POST' | 'PATCH', url: string, payload?: object) =>
    h.app.inject({ method, url, headers: session.headers, ...(payload ? { payload } : {}) });

  it("lists the preset's plans with their active subscriptions, creates one and edits its features", async () => {
    const member = await loginAs(h, { roles: ['member'] });
    await call(admin, 'PUT', `/users/${member.userId}/subscription`, { type: 'PREMIUM' });
    const listed = await call(admin, 'GET', '/subscription-plans');
    expect(listed.statusCode).toBe(200);
    const premium = listed.json().data.find((plan: { name: string }) => plan.name === 'PREMIUM');
    expect(premium).toMatchObject({ subscribers: 1, features: expect.arrayContaining(['api-access']) });

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
});
