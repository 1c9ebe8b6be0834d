import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { type BenchTarget, type Driver, rssMb } from './lib.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningServer {
  target: BenchTarget;
  stop(): Promise<void>;
}

/** How long a server may take to become ready: a fresh database's migrations on a loaded machine take a while. */
const START_TIMEOUT_MS = Number(process.env.BENCH_START_TIMEOUT_SECONDS ?? 300) * 1000;
const PROBE_TIMEOUT_MS = 5000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `probe` answers true, trying again (a probe that throws counts as not yet) until the deadline;
 * `gone` ends the wait early with its reason (the server exited). Never a fixed sleep: on an idle machine the
 * wait is as short as the work, on a loaded one as long as it needs, up to the deadline.
 */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = START_TIMEOUT_MS, gone?: () => string | undefined) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    const reason = gone?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s (${last})`);
    await pause(delay);
  }
}

/** A GET that answers 200 within the probe's own bound (a request stuck on a busy server does not hold up the wait). */
export const answers = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })).ok;

/** Memory after start-up work: the resident size once it stops growing (two samples a second apart), at most 15 s on. */
async function settledRss(pid: number) {
  let previous = rssMb(pid);
  for (let round = 0; round < 15; round++) {
    await pause(1000);
    const current = rssMb(pid);
    if (Math.abs(current - previous) <= 1) return current;
    previous = current;
  }
  return previous;
}

/** A fresh, empty database for one section: a PostgreSQL database of its own, or a PGlite directory. */
async function freshDatabase(driver: Driver, postgresUrl: string): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const name = `tessera_bench_${randomBytes(4).toString('hex')}`;
  if (driver === 'pglite') {
    const dir = `${process.cwd()}/.test-data/${name}`;
    mkdirSync(dir, { recursive: true });
    return { env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** `tessera serve` in its own process on `env`'s database, once it answers ready; `stop` ends it and leaves the database. */
async function serve(driver: Driver, env: Record<string, string>, extraEnv: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS: flags for the server's node, e.g. a CPU profile (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ') ?? [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'bin/tessera.js', 'serve'], {
    env: { ...process.env, ...env, ...extraEnv, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null ? `the server exited (${child.exitCode ?? child.signalCode})` : undefined;
  try {
    // Ready: migrated, its database answering, taking traffic (what a load balancer waits for).
    await waitFor(`${driver} server on port ${port} ready`, () => answers(`${baseUrl}/health/ready`), START_TIMEOUT_MS, exited);
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = child.pid as number;
  return { target: { driver, baseUrl, env, pid, startRssMb: await settledRss(pid) }, stop };
}

/**
 * A real `tessera serve` in its own process on a fresh database, as an operator would run it; `stop` also drops
 * the database. With `seed`, a first server migrates the database and sets it up (roles, the bootstrap admin) and
 * stops before `seed` fills it: PGlite has one opener, so nothing may hold the directory while the seed writes.
 * The measured server then starts on the seeded database.
 */
export async function startServer(
  driver: Driver,
  postgresUrl: string,
  extraEnv: Record<string, string> = {},
  seed?: (env: Record<string, string>) => Promise<void>,
): Promise<RunningServer> {
  const database = await freshDatabase(driver, postgresUrl);
  try {
    if (seed) {
      await (await serve(driver, database.env, extraEnv)).stop();
      await seed(database.env);
    }
    const server = await serve(driver, database.env, extraEnv);
    return {
      target: server.target,
      stop: async () => {
        await server.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

const admin = { email: 'bench-admin@example.com', password: 'benchmark admin passphrase' };

/** Server settings for sections that act as an administrator: the bootstrap admin, no throttle, tokens that outlast a run. */
export const adminServerEnv: Record<string, string> = {
  AUTH_RATE_LIMIT_PER_MINUTE: '100000000',
  BOOTSTRAP_ADMIN_EMAIL: admin.email,
  BOOTSTRAP_ADMIN_PASSWORD: admin.password,
  ACCESS_TOKEN_TTL: '1h',
};

/** The bootstrap admin's bearer header on a server started with `adminServerEnv`. */
export async function adminHeaders(target: BenchTarget) {
  const res = await fetch(`${target.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(admin),
  });
  if (!res.ok) throw new Error(`admin login: ${res.status}`);
  return { authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}` };
}
