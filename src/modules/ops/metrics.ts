import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AppContext } from '../../context.js';
import type { UserFigures } from './queries.js';

/**
 * The process's own figures (CPU, memory, event loop, garbage collection), collected once per process however
 * many apps it builds: prom-client's collectors cannot be stopped, and one whose registry also held an app's
 * gauges kept that app, its database with it, alive after it closed.
 */
let processRegistry: Registry | undefined;
function processMetrics() {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * Prometheus metrics: the process's figures, request histograms per route, plus user figures that are recomputed every
 * METRICS_INTERVAL rather than per scrape, so a busy scraper never loads the database.
 */
export function createMetrics(context: AppContext) {
  // Started with the first app, so the process's figures (its garbage collections) count from its start, not its first scrape.
  const processFigures = processMetrics();
  const registry = new Registry();
  const requestDuration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const usersTotal = gauge('tessera_users_total', 'Users in the database');
  const usersActive = gauge('tessera_users_active', 'Users whose status is ACTIVE');
  const usersRecent = gauge('tessera_users_signups_24h', 'Users created in the last 24 hours');
  const usersByRole = gauge('tessera_users_by_role', 'Users holding each role', ['role']);
  registerReplicationMetrics(context, registry);
  // Ops is wired first; the modules that own the users and their roles answer once they are wired.
  let readUserFigures: (() => Promise<UserFigures>) | undefined;

  async function refresh(log: FastifyBaseLogger) {
    try {
      if (!readUserFigures) return;
      const figures = await readUserFigures();
      usersTotal.set(figures.total);
      usersActive.set(figures.active);
      usersRecent.set(figures.recentSignups);
      usersByRole.reset();
      for (const { role, count } of figures.byRole) usersByRole.set({ role }, count);
    } catch (error) {
      log.warn({ err: error }, 'user metrics could not be refreshed');
    }
  }
  let timer: NodeJS.Timeout | undefined;

  return {
    /** Where the user figures come from, read on a replica when there is one. */
    registerUserFigures(source: () => Promise<UserFigures>) {
      readUserFigures = source;
    },
    /** Where other modules add their own figures (webhook deliveries). */
    registry,
    contentType: registry.contentType,
    // Each registry's text ends with a newline; one more keeps the blank line between metric families.
    render: async () => `${await processFigures.metrics()}\n${await registry.metrics()}`,
    /** An `onResponse` hook: every answer lands in the histogram under its route's pattern. */
    async observe(request: FastifyRequest, reply: FastifyReply) {
      requestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    },
    async start(log: FastifyBaseLogger) {
      await refresh(log);
      timer = setInterval(() => void refresh(log), context.config.METRICS_INTERVAL);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Each replica's replay lag and state, and where stale-tolerant reads went: read from the database's own figures at scrape time. */
function registerReplicationMetrics({ database }: AppContext, registry: Registry) {
  const { replication } = database;
  if (!replication) return;
  new Gauge({
    name: 'tessera_replica_lag_seconds',
    help: 'How far each replica is behind the primary (-1 while it does not answer)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const { name, lagMs } of replication.replicas()) this.set({ replica: name }, lagMs === null ? -1 : Math.min(lagMs, 1e9) / 1000);
    },
  });
  new Gauge({
    name: 'tessera_replica_up',
    help: 'Whether each replica serves reads (1), is behind REPLICA_MAX_LAG or down (0)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      for (const { name, state } of replication.replicas()) this.set({ replica: name }, state === 'up' ? 1 : 0);
    },
  });
  new Counter({
    name: 'tessera_db_reads_total',
    help: 'Reads that may be stale, by where they were sent (primary or a replica)',
    labelNames: ['target'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [target, count] of replication.readsByTarget()) this.inc({ target }, count);
    },
  });
}

export type Metrics = ReturnType<typeof createMetrics>;
