import { defineModule } from '../../platform/module.js';
import { createMetrics } from './metrics.js';
import { type OpsService, opsRoutes } from './routes.js';
import { healthReport, isReady } from './service.js';

/** Health probes and Prometheus metrics. Wired first, so its request histogram sees every route. */
export const opsModule = defineModule<OpsService>({
  name: 'ops',
  create: (context) => {
    let draining = false;
    return {
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
