import { defineModule } from '../../platform/module.js';
import { cronEvery } from './calendar.js';
import { analyticsRoutes } from './routes.analytics.js';
import { goalRoutes } from './routes.goals.js';
import { skillRoutes } from './routes.skills.js';
import { createLearningService, type LearningDeps, type LearningService } from './service.js';

export const learningModule = defineModule<LearningService, LearningDeps>({
  name: 'learning',
  create: (context, deps) => createLearningService(context, deps),
  routes: async (app, learning) => {
    await app.register(skillRoutes, { learning });
    await app.register(goalRoutes, { learning });
    await app.register(analyticsRoutes, { learning });
  },
  jobs: (learning, { config }) => [
    // Hourly, so nothing outlives ACTIVITY_RETENTION_DAYS by more than an hour.
    { name: 'learning-activity-retention', cron: '17 * * * *', run: async () => void (await learning.activity.prune()) },
    {
      name: 'learning-stats-windows',
      cron: cronEvery(config.STATS_UPDATE_INTERVAL),
      run: async () => void (await learning.statistics.refreshWindows()),
    },
  ],
});
