import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { webhookErrors as errors } from './errors.js';
import {
  CreateWebhookBody,
  DeliveryEnvelope,
  DeliveryList,
  DeliveryParams,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  ReplayBody,
  ReplayResult,
  UpdateWebhookBody,
  WebhookCreated,
  WebhookEnvelope,
  WebhookList,
  WebhookParams,
  WebhookSecret,
} from './schemas.js';
import type { WebhooksService } from './service.js';

const operation = operations(['webhooks']);

export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhooksService }> = async (app, { webhooks }) => {
  const manage = requirePermission('webhooks:manage');
  const notFound = problems(errors.WEBHOOK_NOT_FOUND);
  app.post(
    '/webhooks',
    operation(manage, {
      operationId: 'createWebhook',
      summary: 'Subscribe an endpoint to events',
      description:
        'An endpoint receiving the public events named (a type, "user.*" or "*"), signed per Standard Webhooks. The secret (whsec_…) is answered this once. https to public addresses only (checked now and at each delivery). An organization\'s administrator subscribes to their organization\'s events only (WEBHOOK_OUTSIDE_TENANCY); a cross-tenant administrator naming an organization that does not exist is answered 409 REFERENCE_CONFLICT.',
      body: CreateWebhookBody,
      response: { 201: WebhookCreated, ...problems(errors.WEBHOOK_OUTSIDE_TENANCY, httpErrors.REFERENCE_CONFLICT) },
    }),
    (request) => webhooks.create(signedIn(request.caller), request.body),
  );
  app.get(
    '/webhooks',
    operation(manage, {
      operationId: 'listWebhooks',
      summary: 'List webhooks',
      description: "The webhook endpoints within your tenancy: your organization's, or all of them for a cross-tenant administrator.",
      querystring: ListWebhooksQuery,
      response: { 200: WebhookList, ...problems(pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => webhooks.list(signedIn(request.caller), request.query),
  );
  app.get(
    '/webhooks/:id',
    operation(manage, {
      operationId: 'getWebhook',
      summary: 'Get a webhook',
      description: 'One webhook endpoint (never its secret); one outside your tenancy answers 404.',
      params: WebhookParams,
      response: { 200: WebhookEnvelope, ...notFound },
    }),
    async (request) => ({ webhook: await webhooks.get(signedIn(request.caller), request.params.id) }),
  );
  app.patch(
    '/webhooks/:id',
    operation(manage, {
      operationId: 'updateWebhook',
      summary: 'Change a webhook',
      description: 'Changes the URL, events, description or status; setting a disabled endpoint ACTIVE resumes its deliveries.',
      params: WebhookParams,
      body: UpdateWebhookBody,
      response: { 200: WebhookEnvelope, ...notFound },
    }),
    async (request) => ({ webhook: await webhooks.update(signedIn(request.caller), request.params.id, request.body) }),
  );
  app.delete(
    '/webhooks/:id',
    operation(manage, {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook',
      description: 'Deletes the endpoint and its delivery log; deliveries not yet sent are dropped.',
      params: WebhookParams,
      response: { 204: NoContent, ...notFound },
    }),
    async (request) => {
      await webhooks.remove(signedIn(request.caller), request.params.id);
    },
  );
  app.post(
    '/webhooks/:id/secret',
    operation(manage, {
      operationId: 'rotateWebhookSecret',
      summary: 'Rotate a webhook secret',
      description:
        'A new secret, answered this once. Until previousSecretValidUntil (WEBHOOK_SECRET_GRACE) each delivery carries signatures by both secrets, so the receiver can switch without a gap.',
      params: WebhookParams,
      response: { 200: WebhookSecret, ...notFound },
    }),
    async (request) => webhooks.rotateSecret(signedIn(request.caller), request.params.id),
  );
  app.post(
    '/webhooks/:id/test',
    operation(manage, {
      operationId: 'testWebhook',
      summary: 'Send a test event',
      description: 'Queues a webhook.test event to this endpoint alone, delivered, signed and retried like any other.',
      params: WebhookParams,
      response: { 202: DeliveryEnvelope, ...notFound },
    }),
    async (request) => ({ delivery: await webhooks.sendTest(signedIn(request.caller), request.params.id) }),
  );
  app.get(
    '/webhooks/:id/deliveries',
    operation(manage, {
      operationId: 'listWebhookDeliveries',
      summary: 'List deliveries of a webhook',
      description: "Newest first: status, attempts, the last attempt's response code, the first kilobyte of its body and its duration.",
      params: WebhookParams,
      querystring: ListDeliveriesQuery,
      response: { 200: DeliveryList, ...problems(errors.WEBHOOK_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => webhooks.deliveries(signedIn(request.caller), request.params.id, request.query),
  );
  app.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    operation(manage, {
      operationId: 'retryWebhookDelivery',
      summary: 'Retry a delivery',
      description: 'Sends the delivery again from its first attempt, with the same webhook-id and a fresh timestamp and signature.',
      params: DeliveryParams,
      response: { 202: DeliveryEnvelope, ...problems(errors.WEBHOOK_NOT_FOUND, errors.WEBHOOK_DELIVERY_NOT_FOUND) },
    }),
    async (request) => ({ delivery: await webhooks.retry(signedIn(request.caller), request.params.id, request.params.deliveryId) }),
  );
  app.post(
    '/webhooks/:id/replay',
    operation(manage, {
      operationId: 'replayWebhookDeliveries',
      summary: 'Replay deliveries of a time range',
      description:
        'Sends again every delivery made to this endpoint between from and to (or only the failed ones), each with its own webhook-id.',
      params: WebhookParams,
      body: ReplayBody,
      response: { 202: ReplayResult, ...notFound },
    }),
    (request) => webhooks.replay(signedIn(request.caller), request.params.id, request.body),
  );
};
