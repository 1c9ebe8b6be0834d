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

/** Seed 003's health report: overall status, database round trip, redis when configured, version, uptime. */
export async function healthReport(context: AppContext) {
  const [database, redis] = await Promise.all([
    probe(() => context.database.ping(PROBE_TIMEOUT_MS)),
    context.state.kind === 'redis'
      ? probe(() => withDeadline(context.state.ping(), PROBE_TIMEOUT_MS, probeTimedOut))
      : Promise.resolve(undefined),
  ]);
  const healthy = database.status === 'ok' && (redis === undefined || redis.status === 'ok');
  return {
    status: healthy ? ('ok' as const) : ('degraded' as const),
    version: context.version,
    uptimeSeconds: Math.round((Date.now() - context.startedAt) / 1000),
    database: { ...database, driver: context.database.kind },
    ...(redis ? { redis } : {}),
  };
}

/** Ready means: the database answers and no migration is pending. */
export async function isReady(context: AppContext): Promise<boolean> {
  try {
    const states = await withDeadline(migrationStatus(context.database), PROBE_TIMEOUT_MS, probeTimedOut);
    return states.every((state) => state.appliedAt !== null);
  } catch {
    return false;
  }
}
