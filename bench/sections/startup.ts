import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchRow, Driver, Section } from '../lib.js';
import { answers, freePort } from '../server.js';

const SECTION = 'startup';
/** Starts timed per case: BENCH_STARTS (7 unless set); the table gives their median and spread. */
const starts = () => Number(process.env.BENCH_STARTS ?? 7);
const STOP_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 120_000;
/** How often readiness is asked: what it adds to a measured start at most (bench/server.ts's wait backs off to a second). */
const POLL_MS = 10;

const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;

/**
 * The env of a process on the section's database: the bench's own, less a DATABASE_URL it may have, which would
 * otherwise take the place of the section's DATA_DIR.
 */
const onSectionDatabase = (env: Record<string, string>) => ({ ...process.env, DATABASE_URL: '', ...env });

/** One process of `tessera …` on the section's database, timed from spawn to exit. */
function timedCommand(args: string[], env: Record<string, string>) {
  return new Promise<number>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['bin/tessera.js', ...args], {
      env: { ...onSectionDatabase(env), LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`tessera ${args.join(' ')} exited ${code}`)),
    );
  });
}

/**
 * `tessera serve` timed from spawn to its first 200 from /health/ready (migrated, database answering, taking
 * traffic), then stopped; `cpuSpent` gets the CPU it used until then, which a loaded machine inflates less than the wait.
 */
async function timedServe(env: Record<string, string>, cpuSpent: number[]) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/tessera.js', 'serve'], {
    env: { ...onSectionDatabase(env), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tessera serve exited ${child.exitCode}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error('tessera serve was not ready within 120 s');
      if (await answers(`http://127.0.0.1:${port}/health/ready`).catch(() => false)) {
        cpuSpent.push(cpuMs(child.pid as number));
        return performance.now() - started;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS))]);
  }
}

/** The CPU a process has used so far (user and system), in ms: utime and stime of /proc/PID/stat, in clock ticks of 10 ms. */
function cpuMs(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function timesOf(measure: () => Promise<number>) {
  const times: number[] = [];
  for (let run = 0; run < starts(); run++) times.push(await measure());
  return times.sort((a, b) => a - b);
}

const row = (driver: Driver, title: string, sorted: number[], cpu: number[] = []): BenchRow => ({
  section: SECTION,
  case: title,
  driver,
  connections: 1,
  runs: sorted.length,
  reqPerSec: 0,
  p50Ms: Math.round(percentile(sorted, 0.5)),
  p95Ms: Math.round(percentile(sorted, 0.95)),
  p99Ms: Math.round(percentile(sorted, 0.99)),
  errors: 0,
  note: [
    `fastest ${Math.round(sorted[0] ?? 0)} ms`,
    ...(cpu.length > 0
      ? [
          `CPU to ready ${percentile(
            [...cpu].sort((a, b) => a - b),
            0.5,
          )} ms (median)`,
        ]
      : []),
  ].join('; '),
});

let measured: BenchRow[] = [];

/**
 * `npm run bench -- --only startup`: how long an operator waits. A node restarting on a migrated database (a
 * rolling deploy, a crash's restart, a new node behind the load balancer) until it is ready for traffic, and two
 * CLI commands as a person types them: `--help`, and `migrate` with nothing to apply. Each is a fresh process,
 * timed from spawn, while no other server holds the database (PGlite has one opener).
 */
export const startup: Section = {
  name: SECTION,
  async seed(env) {
    const driver: Driver = 'DATA_DIR' in env ? 'pglite' : 'postgres';
    const cpu: number[] = [];
    measured = [
      row(driver, 'serve: spawn to ready, migrated database', await timesOf(() => timedServe(env, cpu)), cpu),
      row(driver, 'tessera migrate, nothing to apply', await timesOf(() => timedCommand(['migrate'], env))),
      row(driver, 'tessera --help', await timesOf(() => timedCommand(['--help'], env))),
    ];
  },
  async run() {
    const rows = measured;
    measured = [];
    return rows;
  },
};
