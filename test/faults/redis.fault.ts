import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createContext } from '../../src/context.js';
import { createRedisState, type SharedState } from '../../src/platform/shared-state.js';
import { createHarness, createPeer, type Harness } from '../helpers/app.js';
import { createUser, login, loginAs } from '../helpers/auth.js';
import { eventually, sleep } from './proxied.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

type Session = { accessToken: string; refreshToken: string; headers: Record<string, string> };

/** A TCP proxy in front of REDIS_URL, and the URL that reaches Redis through it. */
async function redisBehindProxy() {
  const target = new URL(process.env.REDIS_URL as string);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const proxied = new URL(target);
  proxied.host = `127.0.0.1:${proxy.port}`;
  return { proxy, url: proxied.toString() };
}

// Two nodes on one database and one Redis, which they both reach through a TCP proxy.
describe.skipIf(!process.env.REDIS_URL)('Redis goes away (through a TCP proxy), two nodes', () => {
  let proxy: TcpProxy;
  let a: Harness;
  let b: Harness;
  let admin: Session;

  beforeAll(async () => {
    const behind = await redisBehindProxy();
    proxy = behind.proxy;
    a = await createHarness({ config: { REDIS_URL: behind.url, AUTH_RATE_LIMIT_PER_MINUTE: '1000' } });
    b = await createPeer(a);
    admin = await loginAs(a, { roles: ['admin'] });
  });
  afterAll(async () => {
    proxy?.pass();
    await b?.close();
    await a?.close();
    await proxy?.close();
  });

  // Each case starts with Redis reachable and both nodes knowing it, whatever the previous case left.
  beforeEach(async () => {
    proxy.pass();
    for (const node of [a, b]) await eventually(async () => (await health(node)).status === 200, 5000, 'redis reachable');
  });

  const timed = async (request: () => Promise<LightMyRequestResponse>) => {
    const started = performance.now();
    const res = await request();
    return { status: res.statusCode, body: res.body, ms: performance.now() - started };
  };
  const me = async (node: Harness, session: Session) =>
    (await node.app.inject({ method: 'GET', url: '/auth/me', headers: session.headers })).statusCode;
  const post = (node: Harness, url: string, payload: object, headers: Record<string, string> = {}) =>
    timed(() => node.app.inject({ method: 'POST', url, payload, headers }));
  const health = (node: Harness) => timed(() => node.app.inject({ method: 'GET', url: '/health' }));
  /** Sessions both nodes have seen, so each holds them (and their access profiles) in memory. */
  const cachedOnBoth = async () => {
    const session = await loginAs(a);
    for (const node of [a, b]) expect(await me(node, session)).toBe(200);
    return session;
  };
  const expectDegraded = async () => {
    for (const node of [a, b]) {
      const report = await health(node);
      expect(report.status).toBe(503);
      expect(JSON.parse(report.body)).toMatchObject({ status: 'degraded', database: { status: 'ok' }, redis: { status: 'down' } });
      expect(report.ms).toBeLessThan(1000);
    }
  };
  const expectBackAndFlowing = async () => {
    for (const node of [a, b]) await eventually(async () => (await health(node)).status === 200, 5000, 'redis back in /health');
    // Invalidations flow again: a logout on one node ends the session the other node holds in memory.
    const fresh = await cachedOnBoth();
    expect((await post(a, '/auth/logout', {}, fresh.headers)).status).toBe(204);
    await eventually(async () => (await me(b, fresh)) === 401, 1000, 'logout on a seen by b');
  };

  it('keeps sign-in answering and revocations biting on both nodes while Redis refuses connections, and after', async () => {
    const suspended = await cachedOnBoth();
    const leaving = await cachedOnBoth();
    const member = await createUser(a);
    proxy.reset();

    await expectDegraded();
    // Sign-in, refresh, /auth/me and logout answer as usual, and quickly.
    const signedIn = await post(a, '/auth/login', { email: member.email, password: member.password });
    expect(signedIn.status).toBe(200);
    const tokens = JSON.parse(signedIn.body) as Session;
    const refreshed = await post(b, '/auth/refresh-token', { refreshToken: tokens.refreshToken });
    expect(refreshed.status).toBe(200);
    const next = JSON.parse(refreshed.body) as Session;
    const nextHeaders = { authorization: `Bearer ${next.accessToken}` };
    expect(await me(b, { ...next, headers: nextHeaders })).toBe(200);
    expect((await post(b, '/auth/logout', { refreshToken: next.refreshToken }, nextHeaders)).status).toBe(204);
    for (const res of [signedIn, refreshed]) expect(res.ms).toBeLessThan(1500);

    // A suspension commits and answers 200; the token stops working on both nodes at once.
    const suspension = await post(a, `/users/${suspended.userId}/suspend`, { reason: 'Chargeback' }, admin.headers);
    expect(suspension.status).toBe(200);
    for (const node of [a, b]) expect(await me(node, suspended)).toBe(401);
    // A logout on one node ends the session on both.
    expect((await post(b, '/auth/logout', { refreshToken: leaving.refreshToken }, leaving.headers)).status).toBe(204);
    for (const node of [a, b]) expect(await me(node, leaving)).toBe(401);
    expect((await post(a, '/auth/refresh-token', { refreshToken: leaving.refreshToken })).status).toBe(401);

    proxy.pass();
    await expectBackAndFlowing();
    // The messages published during the outage were lost; what was revoked stays revoked everywhere.
    for (const node of [a, b]) {
      expect(await me(node, suspended)).toBe(401);
      expect(await me(node, leaving)).toBe(401);
    }
  });

  it('notices a silent Redis within a second, answers without it, and revocations bite on both nodes', async () => {
    const suspended = await cachedOnBoth();
    const member = await createUser(a);
    proxy.stall();
    const stalledAt = performance.now();

    const suspension = await post(a, `/users/${suspended.userId}/suspend`, {}, admin.headers);
    expect(suspension.status).toBe(200);
    expect(suspension.ms).toBeLessThan(1500);
    expect(await me(a, suspended)).toBe(401);
    // The other node cannot hear of it; it stops trusting its memory once a ping goes unanswered.
    await eventually(async () => (await me(b, suspended)) === 401, 1500, 'suspension seen by b');
    expect(performance.now() - stalledAt).toBeLessThan(1500);

    const signedIn = await post(b, '/auth/login', { email: member.email, password: member.password });
    expect(signedIn.status).toBe(200);
    expect(signedIn.ms).toBeLessThan(1500);
    const session = await login(b, member.email, member.password);
    expect((await post(b, '/auth/logout', {}, session.headers)).status).toBe(204);
    for (const node of [a, b]) expect(await me(node, session)).toBe(401);
    await expectDegraded();

    proxy.pass();
    await expectBackAndFlowing();
    for (const node of [a, b]) expect(await me(node, suspended)).toBe(401);
  });

  it('keeps counting failed sign-ins where Redis had them when Redis goes silent, so a hiccup frees no guesses', async () => {
    const member = await createUser(a);
    const guess = () => post(a, '/auth/login', { email: member.email, password: 'not the password' });
    for (let attempt = 0; attempt < 5; attempt++) expect((await guess()).status).toBe(401);
    proxy.stall();
    await expectDegraded();
    // The five free attempts were spent through Redis; this node continues from them, not from zero: the
    // one-second wait after them may have passed while the outage was noticed, the next one has not.
    const expectHeld = async () => {
      const statuses = [(await guess()).status, (await guess()).status];
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(1);
      expect(statuses).toContain(429);
    };
    await expectHeld();
    proxy.pass();
    await expectBackAndFlowing();
    // Redis's own counts apply again.
    await expectHeld();
  });

  it('tells every node to drop its caches when a node that could not publish reaches Redis again', async () => {
    // A third node that reaches Redis directly: it hears nothing amiss while only the others are cut off.
    const context = await createContext({ ...a.context.config, REDIS_URL: process.env.REDIS_URL }, a.context.database);
    const c = await buildApp(context);
    await c.ready();
    try {
      const session = await cachedOnBoth();
      expect((await c.inject({ method: 'GET', url: '/auth/me', headers: session.headers })).statusCode).toBe(200);
      proxy.reset();
      await expectDegraded();
      expect((await post(a, '/auth/logout', {}, session.headers)).status).toBe(204);
      proxy.pass();
      await eventually(
        async () => (await c.inject({ method: 'GET', url: '/auth/me', headers: session.headers })).statusCode === 401,
        2000,
        'logout made during the cut seen by the node that stayed connected',
      );
    } finally {
      await c.close();
      // The database belongs to the harness; only this node's shared state is closed here.
      await context.state.close();
    }
  });
});

// Two nodes' shared state on one Redis; the second reaches it through a TCP proxy, so it can be made slow.
describe.skipIf(!process.env.REDIS_URL)('a publish waits until every node has acted on it', () => {
  let proxy: TcpProxy;
  let near: SharedState;
  let far: SharedState;
  const heardFar: string[] = [];

  beforeAll(async () => {
    const behind = await redisBehindProxy();
    proxy = behind.proxy;
    const prefix = `tessera-acks-${process.pid}-${Date.now()}:`;
    near = createRedisState(process.env.REDIS_URL as string, prefix);
    far = createRedisState(behind.url, prefix);
    await near.subscribe('revoked', () => {});
    await far.subscribe('revoked', (message) => heardFar.push(message));
  });
  afterAll(async () => {
    proxy?.pass();
    await Promise.all([near?.close(), far?.close()]);
    await proxy?.close();
  });
  beforeEach(async () => {
    proxy.pass();
    await eventually(async () => far.isConnected(), 5000, 'the far node connected');
  });

  it('answers only once a slow node has handled the message, so its next request cannot use what it dropped', async () => {
    proxy.stall();
    let published = false;
    const publishing = near.publish('revoked', 'session:slow').then(() => {
      published = true;
    });
    await sleep(200);
    expect([published, heardFar]).toEqual([false, []]);
    proxy.pass();
    await publishing;
    expect(heardFar).toEqual(['session:slow']);
  });

  it('stops waiting for a node cut off from Redis once that node has stopped trusting its caches', async () => {
    proxy.stall();
    const started = Date.now();
    await near.publish('revoked', 'session:cut-off');
    const waited = Date.now() - started;
    expect(far.isConnected()).toBe(false);
    expect(heardFar).not.toContain('session:cut-off');
    expect(waited).toBeLessThan(5000);
  });
});
