import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { createUser, login } from './helpers/auth.js';

// Two Tessera nodes on one database; with REDIS_URL they also share rate limits and revocations.
describe.skipIf(!process.env.REDIS_URL)('two nodes sharing Redis', () => {
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    a = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '6' } });
    b = await createPeer(a);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('shares the per-IP limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const node = i % 2 === 0 ? a : b;
      const res = await node.app.inject({
        method: 'POST',
        url: '/auth/forgot-password',
        payload: { email: 'x@example.com' },
        remoteAddress: '198.51.100.7',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429, 429]);
  });

  it('honours on one node a logout made on the other, though both had the session cached', async () => {
    const user = await createUser(a);
    const session = await login(a, user.email, user.password);
    expect(
      (await b.app.inject({ method: 'GET', url: '/auth/me', headers: session.headers, remoteAddress: '198.51.100.8' })).statusCode,
    ).toBe(200);
    expect(
      (await a.app.inject({ method: 'POST', url: '/auth/logout', headers: session.headers, payload: {}, remoteAddress: '198.51.100.8' }))
        .statusCode,
    ).toBe(204);
    // The logout answered once both nodes had dropped the session: the very next request is refused.
    expect(
      (await b.app.inject({ method: 'GET', url: '/auth/me', headers: session.headers, remoteAddress: '198.51.100.9' })).statusCode,
    ).toBe(401);
  });
});

describe('deny by default', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('has a declared policy on every route of the app', () => {
    expect(h.app.unguardedRoutes).toEqual([]);
  });

  it('refuses everybody on a route registered without a policy', async () => {
    const { buildApp } = await import('../src/app.js');
    const app = await buildApp(h.context);
    app.get('/forgotten-policy', async () => ({ secret: 'leaked' }));
    await app.ready();
    try {
      expect(app.unguardedRoutes).toEqual(['GET /forgotten-policy', 'HEAD /forgotten-policy']);
      const res = await app.inject({ method: 'GET', url: '/forgotten-policy' });
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain('leaked');
    } finally {
      await app.close();
    }
  });
});
