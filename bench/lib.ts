import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import pg from 'pg';

export type Driver = 'pglite' | 'postgres';

export interface BenchTarget {
  driver: Driver;
  baseUrl: string;
  /** Env of the running server (DATA_DIR or DATABASE_URL), for CLI work against the same database. */
  env: Record<string, string>;
  /** The server's process id, for its memory. */
  pid: number;
  /** Resident memory (MB) of the server once ready and steady, before any load. */
  startRssMb: number;
}

export interface BenchRow {
  section: string;
  case: string;
  driver: Driver;
  connections: number;
  runs: number;
  reqPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
  /** The server's resident memory (MB) just after start, and its peak during the case's runs. */
  startRssMb?: number;
  peakRssMb?: number;
  /** A comparison with another case of the same run (e.g. its req/s as a ratio of a reference case's). */
  note?: string;
  /**
   * The server process's CPU time (user + system) per request, median of the runs: what a request costs the
   * node whatever else loads the box (1 ms is ~1,000 requests/s a core). The database's own CPU is not in it.
   */
  cpuMsPerRequest?: number;
}

export interface Section {
  name: string;
  /** Drivers this section is meaningful on (default: both). */
  drivers?: Driver[];
  /** Settings for the server this section runs against. */
  serverEnv?: Record<string, string>;
  run(target: BenchTarget, measure: Measure): Promise<BenchRow[]>;
}

export interface CaseSpec {
  title: string;
  connections?: number;
  durationSeconds?: number;
  /** Requests per run instead of a duration, for requests that spend something made beforehand (one code each). */
  amount?: number;
  /** autocannon requests: a fixed request or a sequence with setupRequest callbacks. */
  requests: autocannon.Request[];
}

/** Measures a case (`runs` times, the medians kept); `alternately` measures cases whose figures are compared. */
export type Measure = ((section: string, spec: CaseSpec) => Promise<BenchRow>) & {
  runs: number;
  /**
   * Several cases compared with each other, measured in turn (one run of each per round, `runs` rounds): on a
   * shared box the load drifts over a case's runs, and cases measured one after the other would compare loads.
   */
  alternately(section: string, specs: CaseSpec[]): Promise<BenchRow[]>;
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Resident set size of a process in MB (Linux), 0 where /proc is not there. */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, ms) a process has used so far (Linux), 0 where /proc is not there. */
export function cpuMs(pid: number): number {
  try {
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th of them, in ticks of 10 ms.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Samples a process's memory while `work` runs and answers its peak. */
async function peakRssDuring<T>(pid: number, work: Promise<T>): Promise<{ result: T; peakMb: number; cpuMs: number }> {
  let peakMb = rssMb(pid);
  const cpuBefore = cpuMs(pid);
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(pid));
  }, 100);
  try {
    const result = await work;
    return { result, peakMb, cpuMs: cpuMs(pid) - cpuBefore };
  } finally {
    clearInterval(sampler);
  }
}

/** Runs one case several times and keeps the median of each figure: one run on a shared box is noise. */
export function createMeasure(target: BenchTarget, runs: number, defaultDuration: number): Measure {
  const runOnce = (spec: CaseSpec) =>
    peakRssDuring(
      target.pid,
      autocannon({
        url: target.baseUrl,
        connections: spec.connections ?? 50,
        duration: spec.durationSeconds ?? defaultDuration,
        ...(spec.amount ? { amount: spec.amount } : {}),
        requests: spec.requests,
      }),
    );
  const summary = (section: string, spec: CaseSpec, measured: { result: autocannon.Result; peakMb: number; cpuMs: number }[]): BenchRow => {
    const results = measured.map(({ result }) => result);
    return {
      section,
      case: spec.title,
      driver: target.driver,
      connections: spec.connections ?? 50,
      runs,
      // A run of a fixed amount ends within a second: its rate is what it did over the time it took.
      reqPerSec: Math.round(
        median(results.map((result) => (spec.amount ? result.requests.total / result.duration : result.requests.average))),
      ),
      p50Ms: median(results.map((result) => result.latency.p50)),
      p95Ms: median(results.map((result) => (result.latency as unknown as Record<string, number>).p97_5 ?? result.latency.p90)),
      p99Ms: median(results.map((result) => result.latency.p99)),
      errors: results.reduce((sum, result) => sum + result.errors + result.non2xx, 0),
      startRssMb: target.startRssMb,
      peakRssMb: Math.max(0, ...measured.map(({ peakMb }) => peakMb)),
      cpuMsPerRequest: Math.round(100 * median(measured.map(({ result, cpuMs }) => cpuMs / Math.max(result.requests.total, 1)))) / 100,
    };
  };
  const measure = async (section: string, spec: CaseSpec): Promise<BenchRow> => {
    const measured = [];
    for (let run = 0; run < runs; run++) measured.push(await runOnce(spec));
    return summary(section, spec, measured);
  };
  const alternately = async (section: string, specs: CaseSpec[]): Promise<BenchRow[]> => {
    const measured = specs.map(() => [] as Awaited<ReturnType<typeof runOnce>>[]);
    for (let run = 0; run < runs; run++) {
      for (const [index, spec] of specs.entries()) measured[index]?.push(await runOnce(spec));
    }
    return specs.map((spec, index) => summary(section, spec, measured[index] ?? []));
  };
  return Object.assign(measure, { runs, alternately });
}

async function freePort(): Promise<number> {
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

/** A real `tessera serve` in its own process on a fresh database, as an operator would run it. */
export async function startServer(driver: Driver, postgresUrl: string, extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const name = `tessera_bench_${randomBytes(4).toString('hex')}`;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  if (driver === 'postgres') {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    env = { DATABASE_URL: url.toString() };
    cleanup = async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    };
  } else {
    const dir = `${process.cwd()}/.test-data/${name}`;
    mkdirSync(dir, { recursive: true });
    env = { DATA_DIR: dir };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
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
    await cleanup();
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
  return {
    target: { driver, baseUrl, env, pid, startRssMb: await settledRss(pid) },
    stop,
  };
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

/** The case every other is a ratio of, on the same driver in the same run: figures move with the box's load, ratios much less. */
export const REFERENCE_CASE = 'GET /health/live';

/**
 * Each row with its share of `GET /health/live` (`liveShare`, 0.12 = 12 %): the reference measured by its own
 * section on the same server where the section measures one, else the one of the same driver in this run.
 */
export function withLiveShares(rows: BenchRow[]): (BenchRow & { liveShare?: number })[] {
  const reference = (row: BenchRow) =>
    (
      rows.find((other) => other.driver === row.driver && other.section === row.section && other.case === REFERENCE_CASE) ??
      rows.find((other) => other.driver === row.driver && other.case === REFERENCE_CASE)
    )?.reqPerSec;
  return rows.map((row) => {
    const live = reference(row);
    return live ? { ...row, liveShare: Math.round((10_000 * row.reqPerSec) / live) / 10_000 } : row;
  });
}

export function printTable(rows: BenchRow[]) {
  const header = [
    'section',
    'case',
    'driver',
    'conn',
    'req/s',
    '/live',
    'CPU ms/req',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'RSS start',
    'RSS peak',
  ];
  const lines = withLiveShares(rows).map((row) => {
    return [
      row.section,
      row.case,
      row.driver,
      String(row.connections),
      String(row.reqPerSec),
      row.liveShare === undefined ? '' : `${(100 * row.liveShare).toFixed(row.liveShare < 0.1 ? 1 : 0)} %`,
      row.cpuMsPerRequest === undefined ? '' : row.cpuMsPerRequest.toFixed(2),
      row.p50Ms.toFixed(1),
      row.p95Ms.toFixed(1),
      row.p99Ms.toFixed(1),
      String(row.errors),
      row.startRssMb ? `${row.startRssMb} MB` : '',
      row.peakRssMb ? `${row.peakRssMb} MB` : '',
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  process.stdout.write(`${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
  for (const row of rows.filter((noted) => noted.note)) process.stdout.write(`\n${row.case} (${row.driver}): ${row.note}`);
  if (rows.some((noted) => noted.note)) process.stdout.write('\n');
}
