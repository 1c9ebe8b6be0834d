import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './helpers/app.js';
import { createOrganization, createUser, harnessWithAdmin, login, loginAs } from './helpers/auth.js';

type DayCount = { day: string; count: number };
const today = () => new Date().toISOString().slice(0, 10);
const todayOf = (series: DayCount[]) => series.find((entry) => entry.day === today())?.count;

// The administrators' overview: figures computed in SQL by each module, permission-guarded, kept briefly.
describe('GET /statistics/overview', () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    ({ h, admin } = await harnessWithAdmin());
  });
  afterAll(async () => {
    await h.close();
  });

  const overview = (headers: Record<string, string>) => h.app.inject({ method: 'GET', url: '/statistics/overview', headers });

  it('counts users by status and role, sign-ups, sign-ins and failed sign-ins per day, and invitations', async () => {
    const orgId = await createOrganization(h, admin, 'Figures Inc');
    const members = await Promise.all([1, 2, 3].map(() => createUser(h, { roles: ['user'], organizationId: orgId })));
    await createUser(h, { roles: ['user'], status: 'SUSPENDED' });
    await createUser(h, { status: 'PENDING' });
    for (const member of members.slice(0, 2)) await login(h, member.email, member.password);
    const fail = (email: string) =>
      h.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: 'wrong password here' } });
    for (let i = 0; i < 3; i++) await fail(members[2]!.email);
    // Five from one address: that address now waits between attempts at this account.
    for (let i = 0; i < 5; i++) await fail(members[1]!.email);
    const invited = await h.app.inject({
      method: 'POST',
      url: `/organizations/${orgId}/invitations`,
      headers: admin.headers,
      payload: { email: 'figures.newcomer@example.com' },
    });
    expect(invited.statusCode).toBe(201);

    const answer = await overview(admin.headers);
    expect(answer.statusCode).toBe(200);
    const figures = answer.json();
    expect(figures.days).toBe(30);
    // admin, three members, the suspended and the pending account
    expect(figures.users).toMatchObject({ total: 6, active: 4, byStatus: { ACTIVE: 4, PENDING: 1, SUSPENDED: 1, INACTIVE: 0 } });
    expect(figures.users.signedInInWindow).toBe(3);
    expect(figures.users.signUpsPerDay).toHaveLength(30);
    expect(todayOf(figures.users.signUpsPerDay)).toBe(6);
    expect(figures.roles).toEqual(
      expect.arrayContaining([
        { role: 'user', users: 4 },
        { role: 'admin', users: 1 },
      ]),
    );
    expect(todayOf(figures.signIns.perDay)).toBe(3);
    expect(todayOf(figures.failedSignIns.perDay)).toBe(8);
    expect(figures.failedSignIns).toMatchObject({ total: 8, accounts: 2, throttledAccounts: 1 });
    expect(figures.invitations).toEqual({ pending: 1, accepted: 0, expired: 0, cancelled: 0 });
    expect(figures.signIns.perDay.at(-1).day).toBe(today());
  });

  it('keeps an answer for a short while: a burst of readers costs one computation', async () => {
    const first = (await overview(admin.headers)).json();
    await createUser(h);
    const second = (await overview(admin.headers)).json();
    expect(second.generatedAt).toBe(first.generatedAt);
    expect(second.users.total).toBe(first.users.total);
  });

  it('is for holders of statistics:read, and within their organization', async () => {
    const plain = await loginAs(h, { roles: ['user'] });
    expect((await overview(plain.headers)).statusCode).toBe(403);
    const orgId = await createOrganization(h, admin, 'Scoped Ltd');
    const scopedReader = await loginAs(h, { permissions: ['statistics:read'], organizationId: orgId });
    await createUser(h, { organizationId: orgId, status: 'SUSPENDED' });
    const scoped = (await overview(scopedReader.headers)).json();
    expect(scoped.users).toMatchObject({ total: 2, active: 1, byStatus: { SUSPENDED: 1 } });
    expect(scoped.invitations.pending).toBe(0);
  });
});
