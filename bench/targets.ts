import type { BenchRow } from './lib.js';

/**
 * A figure a case is held to. `latencyUnderMs`: the time of one operation, judged on a case measured at one
 * connection (at fifty the latency is mostly the queue's, not the operation's). `concurrentClients`: that many
 * clients at once, every request answered with a success.
 */
export type Target = { latencyUnderMs: number } | { concurrentClients: number };

/**
 * `yes`: the median request (p50) and the slowest 1 % (p99) are under the target; `p50 only`: the typical
 * request is, the tail is not; `no`: not even the median. A concurrency target is `yes` or `no`.
 */
export type Verdict = 'yes' | 'p50 only' | 'no';

export type JudgedTarget = Target & { verdict: Verdict };

type Measured = Pick<BenchRow, 'connections' | 'reqPerSec' | 'p50Ms' | 'p99Ms' | 'errors'>;

export function verdictOf(row: Measured, target: Target): Verdict {
  if ('concurrentClients' in target) {
    // A run that completed nothing has no errors either: serving means answering, not only not failing.
    return row.connections >= target.concurrentClients && row.errors === 0 && row.reqPerSec > 0 ? 'yes' : 'no';
  }
  // Any error makes a latency meaningless (a fast 500 is not a fast lookup).
  if (row.errors > 0 || row.p50Ms >= target.latencyUnderMs) return 'no';
  return row.p99Ms < target.latencyUnderMs ? 'yes' : 'p50 only';
}

/** The row with its target and the verdict on its own figures, as the table prints it and the JSON keeps it. */
export function judged<Row extends BenchRow>(row: Row, target: Target): Row {
  return { ...row, target: { ...target, verdict: verdictOf(row, target) } };
}

export function describeTarget(target: Target) {
  return 'concurrentClients' in target ? `${target.concurrentClients} clients, no errors` : `< ${target.latencyUnderMs} ms`;
}

/** How the verdicts were reached, printed under a table that has any. */
export const TARGETS_LEGEND =
  'targets: a latency is judged at 1 connection on the p50 and p99 (each the median of the runs): "yes" both under it, ' +
  '"p50 only" the median request under it and the slowest 1 % not; "N clients": that many connections at once, every request ' +
  "answered with a success within autocannon's 10 s timeout.";
