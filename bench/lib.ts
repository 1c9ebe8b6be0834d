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
  /** Resident memory (MB) of the server 3 s after it answered healthy, before any load. */
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
  /** autocannon requests: a fixed request or a sequence with setupRequest callbacks. */
  requests: autocannon.Request[];
}

export type Measure = (section: string, spec: CaseSpec) => Promise<BenchRow>;

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

/** Samples a process's memory while `work` runs and answers its peak. */
async function peakRssDuring<T>(pid: number, work: Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = rssMb(pid);
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(pid));
  }, 100);
  try {
    return { result: await work, peakMb };
  } finally {
    clearInterval(sampler);
  }
}

/** Runs one case several times and keeps the median of each figure: one run on a shared box is noise. */
export function createMeasure(target: BenchTarget, runs: number, defaultDuration: number): Measure {
  return async (section, spec) => {
    const connections = spec.connections ?? 50;
    const results: autocannon.Result[] = [];
    let peakRssMb = 0;
    for (let run = 0; run < runs; run++) {
      const { result, peakMb } = await peakRssDuring(
        target.pid,
        autocannon({
          url: target.baseUrl,
          connections,
          duration: spec.durationSeconds ?? defaultDuration,
          requests: spec.requests,
        }),
      );
      results.push(result);
      peakRssMb = Math.max(peakRssMb, peakMb);
    }
    return {
      section,
      case: spec.title,
      driver: target.driver,
      connections,
      runs,
      reqPerSec: Math.round(median(results.map((result) => result.requests.average))),
      p50Ms: median(results.map((result) => result.latency.p50)),
      p95Ms: median(results.map((result) => (result.latency as unknown as Record<string, number>).p97_5 ?? result.latency.p90)),
      p99Ms: median(results.map((result) => result.latency.p99)),
      errors: results.reduce((sum, result) => sum + result.errors + result.non2xx, 0),
      startRssMb: target.startRssMb,
      peakRssMb,
    };
  };
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

const START_SETTLE_MS = 3000;

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
  const child: ChildProcess = spawn(process.execPath, ['bin/tessera.js', 'serve'], {
    env: { ...process.env, ...env, ...extraEnv, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 300 || child.exitCode !== null) throw new Error('the server did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // What a node holds once start-up work (migrations, first timers) is done; V8 returns more after a minute idle.
  await new Promise((resolve) => setTimeout(resolve, START_SETTLE_MS));
  const pid = child.pid as number;
  return {
    target: { driver, baseUrl, env, pid, startRssMb: rssMb(pid) },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await cleanup();
    },
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

export function printTable(rows: BenchRow[]) {
  const header = ['section', 'case', 'driver', 'conn', 'req/s', '/live', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'RSS start', 'RSS peak'];
  const reference = (driver: Driver) => rows.find((row) => row.driver === driver && row.case === REFERENCE_CASE)?.reqPerSec;
  const lines = rows.map((row) => {
    const live = reference(row.driver);
    return [
      row.section,
      row.case,
      row.driver,
      String(row.connections),
      String(row.reqPerSec),
      live ? `${Math.round((100 * row.reqPerSec) / live)} %` : '',
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
