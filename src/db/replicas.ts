import pg from 'pg';
import { withDeadline } from '../platform/deadline.js';

/**
 * A WAL position (`pg_lsn`, "16/B374D848") as 16 upper-case hex digits, so that positions compare as
 * plain strings: here, and in Redis, where a principal's last write is kept.
 */
export type WalPosition = string;

export function walPosition(lsn: string): WalPosition {
  const [high = '0', low = '0'] = lsn.split('/');
  return (high.padStart(8, '0') + low.padStart(8, '0')).toUpperCase();
}

/** Beyond every real position: a reader that must see it reads from the primary. */
export const PRIMARY_ONLY: WalPosition = 'FFFFFFFFFFFFFFFF';

/** Each replica (and the primary's position) is polled this often: a few times a second. */
const POLL_MS = 250;
/** A probe that has not answered by then means the replica stalls: it leaves the rotation. */
const PROBE_TIMEOUT_MS = 1000;
/** How far back the primary's positions are remembered, to date what a replica has replayed. */
const HISTORY_MS = 60_000;

/** up: serves reads; behind: answers but lags more than REPLICA_MAX_LAG; down: refused, reset or stalled. */
export type ReplicaState = 'up' | 'behind' | 'down';

export interface ReplicaReport {
  name: string;
  state: ReplicaState;
  /** How stale the replica's data may be, in ms; null while it does not answer. */
  lagMs: number | null;
}

export interface Replica {
  readonly name: string;
  state: ReplicaState;
  /** What it had replayed at the last probe; null: not a standby (a copy of its own), taken as current. */
  replayed: WalPosition | null;
  lagMs: number | null;
  /** Aborted when the replica leaves the rotation, so reads waiting on it move to the primary at once. */
  lost: AbortController;
}

class ReplicaUnavailableError extends Error {
  constructor(name: string) {
    super(`${name} left the rotation`);
  }
}

const probeTimedOut = () => new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`);

/**
 * Errors that say the replica cannot serve now rather than that the query is wrong: no SQLSTATE (refused,
 * reset, timed out, terminated), connection exceptions (08), shutdown or start-up (57P), resources (53),
 * system errors (58), and a statement cancelled by a conflict with recovery (40001).
 */
export function isReplicaUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|53|57P|58|40001)/.test(code);
}

/** One small connection per replica for probes, apart from the pool, so busy reads never look like a stall. */
function createProbePool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
    keepAlive: true,
  });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * The primary's WAL positions over the last minute, each with the last time it was seen there, to date
 * what a replica has replayed: the replica misses only what was written after the primary was last seen
 * at or before its position. Sampling times are taken when the question was sent, so a lag is never
 * understated; a replica that has the latest position is 0 ms behind, however idle the primary.
 */
export function createPrimaryHistory(windowMs = HISTORY_MS) {
  const samples: { position: WalPosition; seenAt: number }[] = [];
  return {
    seen(position: WalPosition, at: number) {
      const latest = samples.at(-1);
      if (latest && latest.position === position) latest.seenAt = at;
      else if (!latest || position > latest.position) samples.push({ position, seenAt: at });
      while (samples.length > 1 && (samples[0]?.seenAt ?? 0) < at - windowMs) samples.shift();
    },
    /** How long ago the primary was last at or before `replayed`: infinite when that is out of memory. */
    lagOf(replayed: WalPosition, now: number): number {
      const latest = samples.at(-1);
      if (!latest || replayed >= latest.position) return 0;
      for (let index = samples.length - 1; index >= 0; index--) {
        const sample = samples[index] as (typeof samples)[number];
        if (sample.position <= replayed) return now - sample.seenAt;
      }
      return Number.POSITIVE_INFINITY;
    },
  };
}

/**
 * The replicas of one primary as this node sees them: each polled a few times a second for what it has
 * replayed, dated against the primary's own positions (so an idle replica that has everything is 0 ms
 * behind, however old its last replayed transaction). Reads pick among those that are up, within
 * REPLICA_MAX_LAG, and past the reader's last write.
 */
export function createReplicaSet(primary: pg.Pool, urls: readonly string[], maxLagMs: number) {
  const replicas = urls.map((_, index): Replica & { probe: pg.Pool } => ({
    name: `replica-${index + 1}`,
    state: 'down',
    replayed: null,
    lagMs: null,
    lost: new AbortController(),
    probe: createProbePool(urls[index] as string),
  }));
  const history = createPrimaryHistory();
  const reads = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function markDown(replica: Replica) {
    if (replica.state === 'down') return;
    replica.state = 'down';
    replica.lagMs = null;
    replica.lost.abort();
  }

  async function pollPrimary() {
    const sentAt = Date.now();
    try {
      const { rows } = await withDeadline(
        primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
        PROBE_TIMEOUT_MS,
        probeTimedOut,
      );
      if (rows[0]) history.seen(walPosition(rows[0].lsn), sentAt);
    } catch {
      // The primary's own faults are the requests' concern; the replicas are dated by what was last seen.
    }
  }

  async function probe(replica: (typeof replicas)[number]) {
    try {
      const { rows } = await withDeadline(
        replica.probe.query<{ standby: boolean; replayed: string | null }>(
          'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed',
        ),
        PROBE_TIMEOUT_MS,
        probeTimedOut,
      );
      const [row] = rows;
      if (!row || (row.standby && !row.replayed)) return markDown(replica);
      replica.replayed = row.standby && row.replayed ? walPosition(row.replayed) : null;
      replica.lagMs = replica.replayed === null ? 0 : history.lagOf(replica.replayed, Date.now());
      // Back in the rotation: reads from now on are moved off it again if it leaves once more.
      if (replica.state === 'down') replica.lost = new AbortController();
      replica.state = replica.lagMs <= maxLagMs ? 'up' : 'behind';
    } catch {
      markDown(replica);
    }
  }

  function repeat(poll: () => Promise<void>) {
    const next = () => {
      if (closed) return;
      const timer = setTimeout(async () => {
        timers.delete(timer);
        await poll();
        next();
      }, POLL_MS);
      timer.unref();
      timers.add(timer);
    };
    next();
  }

  const polls = [pollPrimary, ...replicas.map((replica) => () => probe(replica))];
  // The primary first, so the first probes can date what the replicas have replayed.
  const ready = pollPrimary()
    .then(() => Promise.all(replicas.map(probe)))
    .then(() => {
      for (const poll of polls) repeat(poll);
    });

  return {
    ready,
    replicas: replicas as readonly Replica[],
    /** A replica that is up and has replayed `after` (any, without it), or undefined: read from the primary. */
    pick(after: WalPosition | undefined): Replica | undefined {
      const eligible = replicas.filter(
        (replica) => replica.state === 'up' && (after === undefined || replica.replayed === null || replica.replayed >= after),
      );
      return eligible[Math.floor(Math.random() * eligible.length)];
    },
    markDown,
    /**
     * Runs a read on `replica`; if it refuses, resets or stalls, the replica leaves the rotation and `fallback`
     * answers. `read` is told through its signal when the replica left while it waited, to let go of its connection.
     */
    async readOrFallBack<T>(replica: Replica, read: (lost: AbortSignal) => Promise<T>, fallback: () => Promise<T>): Promise<T> {
      const { signal } = replica.lost;
      let stopWaiting = () => {};
      const lost = new Promise<never>((_, reject) => {
        const leave = () => reject(new ReplicaUnavailableError(replica.name));
        if (signal.aborted) return leave();
        signal.addEventListener('abort', leave, { once: true });
        stopWaiting = () => signal.removeEventListener('abort', leave);
      });
      try {
        return await Promise.race([read(signal), lost]);
      } catch (error) {
        if (!isReplicaUnavailable(error)) throw error;
        markDown(replica);
        countRead('primary');
        return fallback();
      } finally {
        stopWaiting();
      }
    },
    countRead,
    report: (): ReplicaReport[] => replicas.map(({ name, state, lagMs }) => ({ name, state, lagMs })),
    /** Stale-tolerant reads since start, by where they were sent ("primary" or a replica's name). */
    readsByTarget: (): ReadonlyMap<string, number> => reads,
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(replicas.map((replica) => replica.probe.end().catch(() => {})));
    },
  };

  function countRead(target: string) {
    reads.set(target, (reads.get(target) ?? 0) + 1);
  }
}

export type ReplicaSet = ReturnType<typeof createReplicaSet>;
