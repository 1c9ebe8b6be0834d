import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { AppContext } from '../../context.js';
import { HealthResponse, ProbeResponse } from './schemas.js';
import { healthReport, isReady } from './service.js';

export const opsRoutes: FastifyPluginAsyncTypebox<{ context: AppContext; registry: Registry }> = async (app, { context, registry }) => {
  const publicRoute = { auth: 'public' } as const;

  app.get(
    '/health',
    { config: publicRoute, schema: { tags: ['ops'], summary: 'Service health', response: { 200: HealthResponse, 503: HealthResponse } } },
    async (_request, reply) => {
      const report = await healthReport(context);
      return reply.status(report.status === 'ok' ? 200 : 503).send(report);
    },
  );

  app.get('/health/live', { config: publicRoute, schema: { tags: ['ops'], response: { 200: ProbeResponse } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/health/ready',
    { config: publicRoute, schema: { tags: ['ops'], response: { 200: ProbeResponse, 503: ProbeResponse } } },
    async (_request, reply) => {
      const ready = await isReady(context);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
    },
  );

  app.get('/metrics', { config: publicRoute, schema: { tags: ['ops'], hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
};
