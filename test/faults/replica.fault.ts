import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/app.js';
import { loginAs } from '../helpers/auth.js';
import { eventually, postgresThroughProxy, sleep } from './proxied.js';
import type { TcpProxy } from './tcp-proxy.js';

/** A stalled replica leaves the rotation once a probe has gone unanswered for a second (polled every 250 ms). */
const LEAVES_WITHIN_MS = 1500;

// The "replica" is the primary's own database reached through a TCP proxy: a copy that is always current,
// so reads go to it until the proxy resets or stalls its connections.
describe.skipIf(!process.env.DATABASE_URL)('a replica refuses, resets or stalls (through a TCP proxy)', () => {
  let proxy: TcpProxy;
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    const proxied = await postgresThroughProxy({}, 'replica');
    proxy = proxied.proxy;
    h = await createHarness({ db: proxied.db });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    proxy?.pass();
    await h?.close();
  });

  const list = () => h.app.inject({ method: 'GET', url: '/users?limit=5', headers: admin.headers });
  const replicaState = async () => (await h.app.inject({ method: 'GET', url: '/health' })).json().replicas[0].state as string;
  const readsOnReplica = async () =>
    Number(
      /tessera_db_reads_total\{target="replica-1"\} (\d+)/.exec((await h.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? 0,
    );

  /** Reads in a loop while `fault` runs: each answers 200, none waits longer than `limitMs`. */
  async function readThrough(fault: () => Promise<void>, limitMs: number) {
    const answers: { res: LightMyRequestResponse; ms: number }[] = [];
    let running = true;
    const reader = (async () => {
      while (running) {
        const started = Date.now();
        answers.push({ res: await list(), ms: Date.now() - started });
      }
    })();
    await fault();
    running = false;
    await reader;
    expect(answers.filter(({ res }) => res.statusCode !== 200).map(({ res }) => res.body)).toEqual([]);
    expect(Math.max(...answers.map(({ ms }) => ms))).toBeLessThan(limitMs);
  }

  async function backInRotation() {
    proxy.pass({ abandonStalled: true });
    await eventually(async () => (await replicaState()) === 'up', 5000, 'the replica back in the rotation');
    const before = await readsOnReplica();
    expect((await list()).statusCode).toBe(200);
    expect(await readsOnReplica()).toBe(before + 1);
  }

  it('reads from the replica while it answers', async () => {
    expect(await replicaState()).toBe('up');
    const before = await readsOnReplica();
    expect((await list()).statusCode).toBe(200);
    expect(await readsOnReplica()).toBe(before + 1);
  });

  it('a replica that resets its connections leaves the rotation at once; reads answer 200 from the primary', async () => {
    await readThrough(async () => {
      await sleep(100);
      proxy.reset();
      await eventually(async () => (await replicaState()) === 'down', 1000, 'the replica marked down');
      await sleep(300);
    }, 1000);
    const health = await h.app.inject({ method: 'GET', url: '/health' });
    expect([health.statusCode, health.json().status]).toEqual([200, 'degraded']);
    await backInRotation();
  });

  it('a replica that stalls leaves the rotation within a probe timeout; the reads waiting on it answer from the primary', async () => {
    await readThrough(async () => {
      await sleep(100);
      proxy.stall();
      const took = await eventually(async () => (await replicaState()) === 'down', 3000, 'the stalled replica marked down');
      expect(took).toBeLessThan(LEAVES_WITHIN_MS);
      await sleep(300);
    }, LEAVES_WITHIN_MS + 500);
    expect((await h.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    await backInRotation();
  });
});
