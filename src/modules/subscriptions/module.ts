import { defineModule } from '../../platform/module.js';
import type { DomainUseCases } from '../events.js';
import type { UsersService } from '../users/service.js';
import { subscriptionRoutes } from './routes.js';
import { createSubscriptionsService, type SubscriptionsService } from './service.js';

export const subscriptionsModule = defineModule<SubscriptionsService, { useCases: DomainUseCases; users: UsersService }>({
  name: 'subscriptions',
  create: (context, deps) => createSubscriptionsService(context, deps),
  routes: async (app, subscriptions) => {
    await app.register(subscriptionRoutes, { subscriptions });
  },
  jobs: (subscriptions) => [
    {
      name: 'expire-subscriptions',
      cron: '*/5 * * * *',
      run: async () => {
        await subscriptions.expireDue();
      },
    },
  ],
});
