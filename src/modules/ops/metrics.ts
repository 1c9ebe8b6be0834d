import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AppContext } from '../../context.js';
import { queryRows } from '../../db/client.js';

interface UserFigures {
  total: number;
  active: number;
  recentSignups: number;
  byRole: { role: string; count: number }[];
}

/** Seed 001's monitoring queries, in one round trip. */
async function readUserFigures(context: AppContext): Promise<UserFigures> {
  const [totals] = await queryRows<{ total: string; active: string; recent: string }>(
    context.database.read,
    sql`SELECT count(*) AS total,
               count(*) FILTER (WHERE status = 'ACTIVE') AS active,
               count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS recent
        FROM users`,
  );
  const byRole = await queryRows<{ role: string; count: string }>(
    context.database.read,
    sql`SELECT r.name AS role, count(ur.user_id) AS count
        FROM roles r LEFT JOIN user_roles ur ON ur.role_id = r.id
        GROUP BY r.name`,
  );
  return {
    total: Number(totals?.total ?? 0),
    active: Number(totals?.active ?? 0),
    recentSignups: Number(totals?.recent ?? 0),
    byRole: byRole.map((row) => ({ role: row.role, count: Number(row.count) })),
  };
}

/**
 * Prometheus metrics: request histograms per route, plus user figures that are recomputed every
 * METRICS_INTERVAL rather than per scrape, so a busy scraper never loads the database.
 */
export function registerMetrics(app: FastifyInstance, context: AppContext) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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

  const refresh = async () => {
    try {
      const figures = await readUserFigures(context);
      usersTotal.set(figures.total);
      usersActive.set(figures.active);
      usersRecent.set(figures.recentSignups);
      usersByRole.reset();
      for (const { role, count } of figures.byRole) usersByRole.set({ role }, count);
    } catch (error) {
      app.log.warn({ err: error }, 'user metrics could not be refreshed');
    }
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await refresh();
    timer = setInterval(refresh, context.config.METRICS_INTERVAL);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));

  app.addHook('onResponse', async (request, reply) => {
    requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  return { registry, refresh };
}
