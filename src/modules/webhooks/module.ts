import { defineModule } from '../../platform/module.js';
import { webhookRoutes } from './routes.js';
import { createWebhooksService, type WebhooksDeps, type WebhooksService } from './service.js';

/** Webhook endpoints and the delivery worker, which runs from start to stop on every node. */
export const webhooksModule = defineModule<WebhooksService, WebhooksDeps>({
  name: 'webhooks',
  create: (context, deps) => createWebhooksService(context, deps),
  routes: async (app, webhooks) => {
    await app.register(webhookRoutes, { webhooks });
  },
  start: (webhooks, log) => webhooks.start(log),
  stop: (webhooks) => webhooks.stop(),
});
