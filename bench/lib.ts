import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { describeTarget, type JudgedTarget, TARGETS_LEGEND } from './targets.js';

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
  /** What the case is held to and whether its figures meet it (bench/targets.ts). */
  target?: JudgedTarget;
}

export interface Section {
  name: string;
  /** Drivers this section is meaningful on (default: both). */
  drivers?: Driver[];
  /** Settings for the server this section runs against. */
  serverEnv?: Record<string, string>;
  /**
   * Fills the database before the measured server starts, while no server holds it (PGlite has one opener);
   * `env` names the database as the server's env does (DATABASE_URL or DATA_DIR).
   */
  seed?(env: Record<string, string>): Promise<void>;
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
        // autocannon notices a fixed amount is done only at its next sample, 1 s apart by default: the run's duration,
        // and so its rate, would be whole seconds (100 requests in 0.2 s read as 100/s). Sampled every 100 ms instead.
        ...(spec.amount ? { amount: spec.amount, sampleInt: 100 } : {}),
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
      // A run of a fixed amount may end within a second: its rate is what it did over the time it took.
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
  const targeted = rows.some((row) => row.target);
  if (targeted) header.push('target', 'meets');
  const lines = withLiveShares(rows).map((row) => {
    const verdict = row.target ? [describeTarget(row.target), row.target.verdict] : ['', ''];
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
      ...(targeted ? verdict : []),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  process.stdout.write(`${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
  for (const row of rows.filter((noted) => noted.note)) process.stdout.write(`\n${row.case} (${row.driver}): ${row.note}`);
  if (rows.some((noted) => noted.note)) process.stdout.write('\n');
  if (targeted) process.stdout.write(`\n${TARGETS_LEGEND}\n`);
}
