import type { AppContext } from '../../context.js';
import { migrationStatus } from '../../db/migrator.js';
import { withDeadline } from '../../platform/deadline.js';

/** /health and /health/ready answer within a second even when the database is busy or gone. */
const PROBE_TIMEOUT_MS = 750;
const probeTimedOut = () => new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`);

type Dependency = { status: 'ok' | 'down'; latencyMs?: number };

async function probe(check: () => Promise<number>): Promise<Dependency> {
  try {
    return { status: 'ok', latencyMs: Math.round((await check()) * 100) / 100 };
  } catch {
    return { status: 'down' };
  }
}

/**
 * The health report: overall status, database round trip, redis when configured, each replica's
 * state and lag, version, uptime. `serving` is false when a part every request needs is down (the primary,
 * Redis); a replica down or behind only degrades the node: its reads go to the other replicas or the primary.
 */
export async function healthReport(context: AppContext) {
  const [database, redis] = await Promise.all([
    probe(() => context.database.ping(PROBE_TIMEOUT_MS)),
    context.state.kind === 'redis'
      ? probe(() => withDeadline(context.state.ping(), PROBE_TIMEOUT_MS, probeTimedOut))
      : Promise.resolve(undefined),
  ]);
  const replicas = context.database.replication?.replicas();
  const serving = database.status === 'ok' && (redis === undefined || redis.status === 'ok');
  const healthy = serving && (replicas ?? []).every((replica) => replica.state === 'up');
  return {
    status: healthy ? ('ok' as const) : ('degraded' as const),
    serving,
    version: context.version,
    uptimeSeconds: Math.round((Date.now() - context.startedAt) / 1000),
    database: { ...database, driver: context.database.kind },
    ...(redis ? { redis } : {}),
    ...(replicas ? { replicas: replicas.map(({ name, state, lagMs }) => ({ name, state, lagMs: lagOf(lagMs) })) } : {}),
  };
}

/** Milliseconds, or null for a replica that does not answer or lags past what was remembered. */
const lagOf = (lagMs: number | null) => (lagMs === null || !Number.isFinite(lagMs) ? null : Math.round(lagMs));

/** Ready means: the database answers and no migration is pending. */
export async function isReady(context: AppContext): Promise<boolean> {
  try {
    const states = await withDeadline(migrationStatus(context.database), PROBE_TIMEOUT_MS, probeTimedOut);
    return states.every((state) => state.appliedAt !== null);
  } catch {
    return false;
  }
}

/** For the modules that compute a part of the administrators' overview (registered at wiring time). */
export { dailySeries, type StatisticsPart, type StatisticsScope } from './statistics.js';
