/**
 * Several nodes behind a load balancer, restarted one at a time under load. Three `tessera serve` nodes on
 * one PostgreSQL primary with a streaming replica 400 ms behind (a pair of its own, test/helpers/replica-pair.ts)
 * and Redis, behind HAProxy checking /health/ready. Clients sign in, refresh, read, write and sign out
 * without pause while each node in turn gets SIGTERM and is started again. It fails on any request that
 * fails at the client (a 5xx, a refused connection, a list missing what the client just wrote), on an
 * acknowledged write missing at the end, on a session that does not hold on any node, or on a revoked one
 * accepted by any node at the end or through the balancer a second after its logout. Prints requests,
 * errors and p99 for the steady phase and for each restart, where reads went, and how soon revocations bit.
 *
 *   npm run cluster:test        # about a minute; needs haproxy, PostgreSQL 15 binaries and Redis on 6379
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../test/helpers/ports.js';
import { type ReplicaPair, replicaPairUnavailable, startReplicaPair } from '../test/helpers/replica-pair.js';

const NODES = 3;
const CLIENTS = Number(process.env.CLUSTER_CLIENTS ?? 6);
/** Pause between one client's requests: steady load that leaves the two cores room for restarts. */
const THINK_MS = 15;
const REQUEST_DEADLINE_MS = 15_000;
const CHECK_INTERVAL_MS = 500;
const ADMIN = { email: 'cluster-admin@example.com', password: 'cluster admin passphrase 1' };
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  at: number;
  ms: number;
  failed: string | undefined;
}
const outcomes: Outcome[] = [];
const failures: string[] = [];

/** One request through `base`; `expect` lists the statuses that count as success. */
async function request(base: string, method: string, path: string, options: { token?: string; body?: object; expect: number[] }) {
  const started = performance.now();
  let failed: string | undefined;
  let status = 0;
  let body: unknown;
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
    });
    status = response.status;
    const text = await response.text();
    body = text ? JSON.parse(text) : undefined;
    if (!options.expect.includes(status)) failed = `${method} ${path} answered ${status}: ${text.slice(0, 200)}`;
  } catch (error) {
    failed = `${method} ${path} failed: ${(error as Error).message}`;
  }
  return { status, body: body as Record<string, unknown>, failed, ms: performance.now() - started };
}

/** A request of the load: its outcome counts in the figures. */
async function measured(...args: Parameters<typeof request>) {
  const result = await request(...args);
  outcomes.push({ at: Date.now(), ms: result.ms, failed: result.failed });
  if (result.failed) failures.push(result.failed);
  return result;
}

interface Node {
  port: number;
  process?: ChildProcess;
}

function startNode(node: Node, index: number, env: Record<string, string>, dir: string) {
  const log = openSync(join(dir, `node-${index + 1}.log`), 'a');
  node.process = spawn(process.execPath, ['bin/tessera.js', 'serve'], {
    env: { ...process.env, ...env, PORT: String(node.port), DATA_DIR: join(dir, `node-${index + 1}`) },
    stdio: ['ignore', log, log],
  });
}

async function waitReady(url: string, limitMs = 90_000) {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    const { status } = await request(url, 'GET', '/health/ready', { expect: [200] });
    if (status === 200) return;
    await sleep(200);
  }
  throw new Error(`${url} was not ready within ${limitMs} ms`);
}

async function stopNode(node: Node) {
  const child = node.process;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function haproxyConfig(port: number, nodes: Node[]) {
  return `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
frontend tessera
  bind 127.0.0.1:${port}
  default_backend nodes
backend nodes
  balance roundrobin
  option forwardfor
  option httpchk GET /health/ready
  http-check expect status 200
  default-server inter ${CHECK_INTERVAL_MS}ms fall 2 rise 2
${nodes.map((node, index) => `  server node${index + 1} 127.0.0.1:${node.port} check`).join('\n')}
`;
}

interface Session {
  access: string;
  refresh: string;
}

/** The longest a revocation may take to reach every node: a Redis heartbeat and a command timeout. */
const REVOCATION_LIMIT_MS = 1000;
/** Revocations a node honoured only after the next request (each with how long it took): reported, not failed. */
const lateRevocations: number[] = [];

/**
 * A session just ended is refused by the next request, wherever it lands; a node that has not yet heard
 * of the revocation (pub/sub is asynchronous, and a node starved of CPU may miss a heartbeat) must hear of
 * it within REVOCATION_LIMIT_MS.
 */
async function revocationHolds(base: string, session: Session) {
  const ended = Date.now();
  for (let first = true; Date.now() - ended <= REVOCATION_LIMIT_MS; first = false) {
    const me = await (first ? measured : request)(base, 'GET', '/auth/me', { token: session.access, expect: [401, 200] });
    if (me.status === 401) {
      if (!first) lateRevocations.push(Date.now() - ended);
      return;
    }
    await sleep(50);
  }
  failures.push(`a revoked session was still accepted ${REVOCATION_LIMIT_MS} ms after its logout`);
}

async function signIn(base: string, credentials: { email: string; password: string }): Promise<Session> {
  const { body, failed } = await measured(base, 'POST', '/auth/login', { body: credentials, expect: [200] });
  if (failed) throw new Error(failed);
  return { access: String(body?.accessToken), refresh: String(body?.refreshToken) };
}

/**
 * An administrator account per client: several sign-ins of one account at the same moment count as
 * guesses for the login throttle (each attempt counts before its password is checked).
 */
async function clientAccounts(base: string) {
  const admin = await signIn(base, ADMIN);
  return Promise.all(
    Array.from({ length: CLIENTS }, async (_, id) => {
      const account = { email: `cluster-client-${id}@example.com`, password: `cluster client passphrase ${id}` };
      const body = { ...account, firstName: 'Client', lastName: String(id), roles: ['admin'] };
      const { failed } = await measured(base, 'POST', '/users', { token: admin.access, body, expect: [201] });
      if (failed) throw new Error(failed);
      return account;
    }),
  );
}

/** One client: sessions of its own account, a steady mix of reads, writes, refreshes and sign-outs. */
async function client(
  base: string,
  id: number,
  account: { email: string; password: string },
  running: () => boolean,
  acknowledged: string[],
  revoked: Session[],
): Promise<Session> {
  let session = await signIn(base, account);
  for (let round = 1; running(); round++) {
    const step = round % 12;
    if (step === 0) {
      const email = `load-${id}-${round}-${Date.now()}@example.com`;
      const created = await measured(base, 'POST', '/users', { token: session.access, body: { email, firstName: 'Load' }, expect: [201] });
      if (created.status === 201) {
        acknowledged.push(email);
        // Read your own write, through whichever node the balancer picks next.
        const found = await measured(base, 'GET', `/users?search=${encodeURIComponent(email)}`, { token: session.access, expect: [200] });
        const emails = ((found.body?.data as { email: string }[] | undefined) ?? []).map((user) => user.email);
        if (found.status === 200 && !emails.includes(email))
          failures.push(`a user just created (${email}) was missing from the next search`);
      }
    } else if (step === 5) {
      const { body } = await measured(base, 'POST', '/auth/refresh-token', { body: { refreshToken: session.refresh }, expect: [200] });
      if (body?.accessToken) session = { access: String(body.accessToken), refresh: String(body.refreshToken) };
    } else if (round % 40 === 0) {
      await measured(base, 'POST', '/auth/logout', { token: session.access, body: { refreshToken: session.refresh }, expect: [204] });
      await revocationHolds(base, session);
      revoked.push(session);
      session = await signIn(base, account);
    } else {
      const reads = ['/auth/me', '/users?limit=5', '/users?search=load', '/invitations?limit=5', '/audit-logs?limit=5'];
      await measured(base, 'GET', reads[round % reads.length] as string, { token: session.access, expect: [200] });
    }
    await sleep(THINK_MS);
  }
  return session;
}

/** Reads that may be stale, by target, summed over the nodes (each counts since its own start). */
async function readsByTarget(nodes: Node[]) {
  const totals = new Map<string, number>();
  for (const node of nodes) {
    const metrics = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
    for (const [, target = '', count] of metrics.matchAll(/tessera_db_reads_total\{target="([^"]+)"\} (\d+)/g))
      totals.set(target, (totals.get(target) ?? 0) + Number(count));
  }
  return [...totals].map(([target, count]) => `${target} ${count}`).join(', ');
}

function figures(from: number, to: number) {
  const window = outcomes.filter((outcome) => outcome.at >= from && outcome.at <= to);
  const sorted = window.map((outcome) => outcome.ms).sort((a, b) => a - b);
  const p99 = sorted.length ? (sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number) : 0;
  return { requests: window.length, errors: window.filter((outcome) => outcome.failed).length, p99Ms: Math.round(p99) };
}

/** What must hold at the end: every acknowledged write on the primary; live sessions live and revoked ones refused on every node. */
async function verify(pair: ReplicaPair, nodes: Node[], acknowledged: string[], live: Session[], revoked: Session[]) {
  const db = new pg.Client(pair.primaryUrl);
  await db.connect();
  const { rows } = await db.query<{ email: string }>('SELECT email FROM users WHERE email = ANY($1)', [acknowledged]);
  await db.end();
  const stored = new Set(rows.map((row) => row.email));
  const lost = acknowledged.filter((email) => !stored.has(email));
  if (lost.length > 0) failures.push(`${lost.length} acknowledged writes lost: ${lost.slice(0, 5).join(', ')}`);
  for (const node of nodes) {
    const base = `http://127.0.0.1:${node.port}`;
    for (const session of live) {
      const me = await request(base, 'GET', '/auth/me', { token: session.access, expect: [200] });
      if (me.failed) failures.push(`a live session does not hold on node :${node.port}: ${me.failed}`);
    }
    for (const session of revoked) {
      const me = await request(base, 'GET', '/auth/me', { token: session.access, expect: [401] });
      const refreshed = await request(base, 'POST', '/auth/refresh-token', { body: { refreshToken: session.refresh }, expect: [401] });
      for (const outcome of [me, refreshed])
        if (outcome.failed) failures.push(`a revoked session still works on node :${node.port}: ${outcome.failed}`);
    }
  }
  return { acknowledged: acknowledged.length, lost: lost.length, live: live.length, revoked: revoked.length };
}

async function main() {
  if (replicaPairUnavailable) throw new Error(replicaPairUnavailable);
  execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const pair = await startReplicaPair({ applyDelayMs: 400 });
  const nodes: Node[] = await Promise.all(Array.from({ length: NODES }, async () => ({ port: await freePort() })));
  const lbPort = await freePort();
  const base = `http://127.0.0.1:${lbPort}`;
  const env = {
    HOST: '127.0.0.1',
    DATABASE_URL: pair.primaryUrl,
    DATABASE_REPLICA_URLS: pair.replicaUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: `tessera-cluster-${process.pid}-${Date.now()}:`,
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
    TRUST_PROXY: 'true',
    DB_POOL_SIZE: '10',
    SHUTDOWN_DRAIN: `${CHECK_INTERVAL_MS * 2 + 1000}ms`,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '1000000',
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
  };
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(lbPort, nodes));
  let haproxy: ChildProcess | undefined;
  try {
    // The first node migrates the database; the others start on it.
    for (const [index, node] of nodes.entries()) {
      startNode(node, index, env, dir);
      await waitReady(`http://127.0.0.1:${node.port}`);
    }
    haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitReady(base);
    await sleep(CHECK_INTERVAL_MS * 3);

    let running = true;
    const acknowledged: string[] = [];
    const revoked: Session[] = [];
    const accounts = await clientAccounts(base);
    const started = Date.now();
    const clients = accounts.map((account, id) => client(base, id, account, () => running, acknowledged, revoked));
    await sleep(5000);
    const phases: { phase: string; from: number; to: number }[] = [{ phase: 'steady', from: started, to: Date.now() }];
    for (const [index, node] of nodes.entries()) {
      const from = Date.now();
      await stopNode(node);
      startNode(node, index, env, dir);
      await waitReady(`http://127.0.0.1:${node.port}`);
      // Until the balancer has seen it ready (rise 2) and sent it traffic for a moment.
      await sleep(CHECK_INTERVAL_MS * 2 + 2000);
      phases.push({ phase: `restart node ${index + 1}`, from, to: Date.now() });
    }
    running = false;
    const live = await Promise.all(clients);
    phases.push({ phase: 'whole run', from: started, to: Date.now() });
    const checked = await verify(pair, nodes, acknowledged, live, revoked);
    const reads = await readsByTarget(nodes);

    console.log('\nphase              requests  errors  p99 (ms)');
    for (const { phase, from, to } of phases) {
      const { requests, errors, p99Ms } = figures(from, to);
      console.log(`${phase.padEnd(18)} ${String(requests).padStart(8)}  ${String(errors).padStart(6)}  ${String(p99Ms).padStart(8)}`);
    }
    console.log(
      `\nacknowledged writes: ${checked.acknowledged}, lost: ${checked.lost}; sessions checked on every node: ${checked.live} live, ${checked.revoked} revoked`,
    );
    console.log(`reads that may be stale, since the last restart of each node: ${reads}`);
    console.log(
      `revocations refused by the very next request: ${checked.revoked - lateRevocations.length} of ${checked.revoked}` +
        (lateRevocations.length ? `; the others within ${Math.max(...lateRevocations)} ms` : ''),
    );
    if (failures.length > 0) {
      console.error(`\nFAILED (${failures.length}):\n${[...new Set(failures)].slice(0, 20).join('\n')}\nnode logs: ${dir}`);
      process.exitCode = 1;
    } else console.log('\ncluster test passed');
  } finally {
    haproxy?.kill('SIGTERM');
    await Promise.all(nodes.map(stopNode));
    await pair.dispose();
    if (!process.exitCode) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
