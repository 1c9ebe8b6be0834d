import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { createUser, loginAs } from './helpers/auth.js';
import type { TestDatabase } from './helpers/databases.js';
import { type ReplicaPair, replicaPairUnavailable, startReplicaPair } from './helpers/replica-pair.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

const REPLAY_DELAY_MS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One node's connections to the pair: the primary, and the replica for reads that may be stale. */
async function pairDatabase(pair: ReplicaPair): Promise<TestDatabase> {
  const database = await openPostgres(pair.primaryUrl, {
    DATA_DIR: '',
    DATABASE_URL: pair.primaryUrl,
    DATABASE_REPLICA_URLS: [pair.replicaUrl],
    REPLICA_MAX_LAG: 2000,
    DB_POOL_SIZE: 5,
    DB_CONNECTION_TIMEOUT: 5000,
    DB_IDLE_TIMEOUT: 10_000,
    DB_STATEMENT_TIMEOUT: 30_000,
  });
  return {
    database,
    env: { DATABASE_URL: pair.primaryUrl, DATABASE_REPLICA_URLS: pair.replicaUrl },
    dispose: () => database.close(),
  };
}

// A primary and a real streaming replica of its own (pg_basebackup -R), replaying 400 ms behind; two nodes.
describe.skipIf(replicaPairUnavailable)(`replicas for real: a streaming replica ${REPLAY_DELAY_MS} ms behind, two nodes`, () => {
  let pair: ReplicaPair;
  let smtp: SmtpReceiver;
  let nodeA: Harness;
  let nodeB: Harness;
  let root: Awaited<ReturnType<typeof loginAs>>;
  let organizationId: string;

  beforeAll(async () => {
    [pair, smtp] = await Promise.all([startReplicaPair({ applyDelayMs: REPLAY_DELAY_MS }), startSmtpReceiver()]);
    const migrating = await pairDatabase(pair);
    await migrateUp(migrating.database);
    await migrating.dispose();
    const config = { SMTP_URL: smtp.url, MAIL_POLL_INTERVAL: '50ms', AUTH_RATE_LIMIT_PER_MINUTE: '100000', REPLICA_MAX_LAG: '2s' };
    nodeA = await createHarness({ db: await pairDatabase(pair), preset: 'learning', config });
    const own = await pairDatabase(pair);
    nodeB = await createPeer(nodeA, own.database);
    const close = nodeB.close;
    nodeB.close = async () => {
      await close();
      await own.dispose();
    };
    root = await loginAs(nodeA, { roles: ['SUPER_ADMIN'] });
    const created = await nodeA.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: root.headers,
      payload: { name: 'Replica Org' },
    });
    organizationId = created.json().organization.id;
    await waitForReplica('up');
  }, 120_000);
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
    await smtp?.close();
    await pair?.dispose();
  });

  const call = (node: Harness, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers = root.headers) =>
    node.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const health = async (node: Harness) => (await node.app.inject({ method: 'GET', url: '/health' })).json();
  async function waitForReplica(state: 'up' | 'down' | 'behind', node = nodeA) {
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await health(node)).replicas?.[0]?.state === state) return;
      await sleep(100);
    }
    throw new Error(`the replica never became ${state}: ${JSON.stringify(await health(node))}`);
  }
  const readsBy = async (node: Harness, target: string) => {
    const metrics = (await node.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(new RegExp(`tessera_db_reads_total\\{target="${target}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  };
  /** A principal with no recent writes reads from the replica once it has caught up with the rest. */
  async function readsFromReplica(node: Harness, headers: { authorization: string }) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const before = await readsBy(node, 'replica-1');
      expect((await call(node, 'GET', '/users?limit=1', undefined, headers)).statusCode).toBe(200);
      if ((await readsBy(node, 'replica-1')) === before + 1) return;
      await sleep(100);
    }
    throw new Error('no read went to the replica within 5 s');
  }
  const searchEmails = async (node: Harness, search: string) =>
    (await call(node, 'GET', `/users?search=${encodeURIComponent(search)}`)).json().data.map((user: { email: string }) => user.email);

  it('a user just created on one node is found by the next search on the other, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const email = `fresh-${round}-${Date.now()}@example.com`;
      expect(
        (await call(nodeA, 'POST', '/users', { email, firstName: 'Fresh', lastName: `Round${round}`, password: 'a fresh passphrase' }))
          .statusCode,
      ).toBe(201);
      expect(await searchEmails(nodeB, email)).toEqual([email]);
    }
  });

  it('a renamed user is found by the new name on the other node', async () => {
    const email = `rename-${Date.now()}@example.com`;
    const { id } = (await call(nodeB, 'POST', '/users', { email, firstName: 'Before', lastName: 'Rename' })).json().user;
    expect((await call(nodeA, 'PATCH', `/users/${id}`, { firstName: 'Quillon' })).statusCode).toBe(200);
    expect(await searchEmails(nodeB, 'Quillon')).toEqual([email]);
  });

  it('a user created without a password has its invitation in the list at once', async () => {
    const email = `nopassword-${Date.now()}@example.com`;
    expect((await call(nodeA, 'POST', '/users', { email, firstName: 'No', lastName: 'Password', organizationId })).statusCode).toBe(201);
    const listed = (await call(nodeB, 'GET', `/invitations?email=${encodeURIComponent(email)}`)).json().data;
    expect(listed.map((invitation: { email: string; status: string }) => [invitation.email, invitation.status])).toEqual([
      [email, 'PENDING'],
    ]);
  });

  it('an invitation accepted on one node is ACCEPTED in the organization list on the other', async () => {
    const email = `invitee-${Date.now()}@example.com`;
    const invited = await call(nodeA, 'POST', `/organizations/${organizationId}/invitations`, { email });
    expect(invited.statusCode).toBe(201);
    const token = tokenOf((await smtp.waitFor(email, /invited you/)).link);
    const accepted = await nodeB.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      payload: { token, password: 'an invited passphrase', firstName: 'In', lastName: 'Vitee' },
    });
    expect(accepted.statusCode).toBe(200);
    const listed = (await call(nodeA, 'GET', `/organizations/${organizationId}/invitations`)).json().data;
    expect(listed.find((invitation: { email: string }) => invitation.email === email)?.status).toBe('ACCEPTED');
  });

  it('other principals read from the replica once it has caught up', async () => {
    await readsFromReplica(nodeB, (await loginAs(nodeA, { roles: ['SUPER_ADMIN'] })).headers);
  });

  it('a replica stopped and started mid-traffic: no read answers 5xx, /health says degraded and stays 200, ready stays 200', async () => {
    const statuses: number[] = [];
    let running = true;
    const traffic = (async () => {
      for (let round = 0; running; round++) {
        const node = round % 2 === 0 ? nodeA : nodeB;
        for (const url of ['/users?search=fresh', '/invitations', '/audit-logs?limit=5'])
          statuses.push((await call(node, 'GET', url)).statusCode);
        if (round % 5 === 0)
          statuses.push((await call(node, 'POST', '/users', { email: `traffic-${round}-${Date.now()}@example.com` })).statusCode);
      }
    })();
    await sleep(500);
    await pair.stopReplica();
    try {
      // Each node notices on its own probe: wait for both before reading their reports.
      await waitForReplica('down');
      await waitForReplica('down', nodeB);
      for (const node of [nodeA, nodeB]) {
        const report = await node.app.inject({ method: 'GET', url: '/health' });
        expect(report.statusCode).toBe(200);
        expect(report.json()).toMatchObject({
          status: 'degraded',
          database: { status: 'ok' },
          replicas: [{ name: 'replica-1', state: 'down', lagMs: null }],
        });
        expect((await node.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      }
      await sleep(1000);
    } finally {
      // Started again whatever happened, so that a failure here does not take the next cases' replica with it.
      await pair.startReplica();
    }
    await waitForReplica('up');
    await waitForReplica('up', nodeB);
    await sleep(500);
    running = false;
    await traffic;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.filter((status) => status !== 200 && status !== 201)).toEqual([]);
    // Back in the rotation: reads reach it again.
    await readsFromReplica(nodeA, (await loginAs(nodeA, { roles: ['SUPER_ADMIN'] })).headers);
  }, 60_000);

  it('a replica delayed past REPLICA_MAX_LAG is not used, and returns when it catches up', async () => {
    const reader = await loginAs(nodeA, { roles: ['SUPER_ADMIN'] });
    await pair.setApplyDelay(3000);
    try {
      // Written by someone else (the data layer, no principal): the reader may see it at most 2 s late.
      const stranger = await createUser(nodeA, { firstName: 'Straggler' });
      await waitForReplica('behind', nodeB);
      const report = await health(nodeB);
      expect(report.status).toBe('degraded');
      expect(report.replicas[0].lagMs).toBeGreaterThan(2000);
      const found = (await call(nodeB, 'GET', '/users?search=Straggler', undefined, reader.headers)).json().data;
      expect(found.map((user: { email: string }) => user.email)).toEqual([stranger.email]);
    } finally {
      await pair.setApplyDelay(REPLAY_DELAY_MS);
    }
    await waitForReplica('up', nodeB);
  }, 30_000);
});
