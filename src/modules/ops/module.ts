import { defineModule } from '../../platform/module.js';
import { createMetrics } from './metrics.js';
import { type OpsService, opsRoutes } from './routes.js';
import { healthReport, isReady } from './service.js';
import { createStatistics } from './statistics.js';

/** Health probes and Prometheus metrics. Wired first, so its request histogram sees every route. */
export const opsModule = defineModule<OpsService>({
  name: 'ops',
  create: (context) => {
    let draining = false;
    const statistics = createStatistics();
    return {
      statistics,
      // A reader outside every organization but their own sees that organization's figures only.
      overview: async (caller) =>
        statistics.overview(
          await context.reads.for(caller),
          caller.principal.crossTenant ? undefined : (caller.principal.organizationId ?? undefined),
        ),
      health: () => healthReport(context),
      ready: async () => !draining && (await isReady(context)),
      drain: () => {
        draining = true;
      },
      metrics: createMetrics(context),
    };
  },
  routes: async (app, ops, context) => {
    app.addHook('onResponse', ops.metrics.observe);
    await app.register(opsRoutes, { ops, metricsToken: context.config.METRICS_TOKEN });
  },
  start: (ops, log) => ops.metrics.start(log),
  stop: async (ops) => ops.metrics.stop(),
});
