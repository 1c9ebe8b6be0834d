import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { bearerToken } from '../../http/bearer.js';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { publicRoute, requirePermission, signedIn } from '../../http/route-policy.js';
import type { SignedInCaller } from '../../platform/caller.js';
import type { Metrics } from './metrics.js';
import { HealthResponse, Overview, ProbeResponse } from './schemas.js';
import type { healthReport } from './service.js';
import type { Statistics } from './statistics.js';

const tags = ['ops'];
const operation = operations(tags);

export interface OpsService {
  health: () => ReturnType<typeof healthReport>;
  ready: () => Promise<boolean>;
  /** The node is shutting down: not ready any more, still serving. */
  drain: () => void;
  metrics: Metrics;
  /** Where the modules register their parts of the overview (at wiring time). */
  statistics: Statistics;
  overview: (caller: SignedInCaller) => ReturnType<Statistics['overview']>;
}

/** Compared in constant time: the answer's timing says nothing about how much of a guess was right. */
function bearerMatches(header: string | undefined, token: string) {
  const given = Buffer.from(bearerToken(header) ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const opsRoutes: FastifyPluginAsyncTypebox<{ ops: OpsService; metricsToken: string | undefined }> = async (
  app,
  { ops, metricsToken },
) => {
  // Also at /api/health, where deployments that serve every function under /api look for it.
  for (const url of ['/health', '/api/health']) {
    app.get(
      url,
      operation(publicRoute, {
        description:
          'Checks the database with a round trip (and Redis, when configured) and reports the version and uptime. Answers 503 with the same report when a dependency is down. The same report at /health and /api/health.',
        summary: 'Service health',
        response: { 200: HealthResponse, 503: HealthResponse },
      }),
      async (_request, reply) => {
        const report = await ops.health();
        return reply.status(report.serving ? 200 : 503).send(report);
      },
    );
  }

  app.get(
    '/health/live',
    operation(publicRoute, {
      summary: 'Liveness probe',
      description:
        'Answers 200 while the process serves HTTP, without touching the database: for an orchestrator deciding whether to restart the node.',
      response: { 200: ProbeResponse },
    }),
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/health/ready',
    operation(publicRoute, {
      summary: 'Readiness probe',
      description:
        'Answers 200 when the node can take traffic and 503 (`not ready`) otherwise, for a load balancer deciding whether to send it requests.',
      response: { 200: ProbeResponse, 503: ProbeResponse },
    }),
    async (_request, reply) => {
      const ready = await ops.ready();
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
    },
  );

  app.get(
    '/statistics/overview',
    operation(requirePermission('statistics:read'), {
      summary: "The administrators' overview figures",
      description:
        'Total and active users, users by status and by role, sign-ups, sign-ins and failed sign-ins per day for the last 30 days, and invitations by state: computed in SQL within your organization (all of them with tenants:all), and kept for 30 seconds.',
      response: { 200: Overview },
    }),
    async (request) => ops.overview(signedIn(request.caller)),
  );

  // User totals by role are not for everyone: with METRICS_TOKEN set, the scraper presents it as a bearer token.
  app.get('/metrics', { config: publicRoute, schema: { tags, hide: true } }, async (request, reply) => {
    if (metricsToken && !bearerMatches(request.headers.authorization, metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw httpErrors.UNAUTHORIZED();
    }
    return reply.type(ops.metrics.contentType).send(await ops.metrics.render());
  });
};
