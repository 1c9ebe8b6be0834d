import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requestMeta } from '../../http/request-meta.js';
import { requirePermission, requirePermissionOrSelf } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { UserIdParams } from '../users/schemas.js';
import type { SubscriptionsService } from './service.js';

const tags = ['subscriptions'];
const Timestamp = Type.String({ format: 'date-time' });
const SubscriptionView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String(),
  status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('CANCELLED'), Type.Literal('EXPIRED')]),
  startDate: Timestamp,
  endDate: Type.Union([Timestamp, Type.Null()]),
  features: Type.Array(Type.String()),
  cancelledAt: Type.Union([Timestamp, Type.Null()]),
});
const PutBody = Type.Object(
  {
    type: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,49}$', description: 'plan name, e.g. FREE, BASIC, PREMIUM' }),
    startDate: Type.Optional(Timestamp),
    endDate: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    features: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const subscriptionRoutes: FastifyPluginAsyncTypebox<{ subscriptions: SubscriptionsService }> = async (app, { subscriptions }) => {
  app.get(
    '/users/:id/subscription',
    {
      config: requirePermissionOrSelf('subscriptions:read'),
      schema: { tags, params: UserIdParams, response: { 200: SubscriptionView, ...problems(401, 403, 404) } },
    },
    async (request) => subscriptions.get(request.principal!, request.params.id),
  );
  app.put(
    '/users/:id/subscription',
    {
      config: requirePermission('subscriptions:manage'),
      schema: { tags, params: UserIdParams, body: PutBody, response: { 200: SubscriptionView, ...problems(400, 401, 403, 404) } },
    },
    async (request) => subscriptions.put(request.principal!, request.params.id, request.body, requestMeta(request)),
  );
  app.post(
    '/users/:id/subscription/cancel',
    {
      config: requirePermission('subscriptions:manage'),
      schema: { tags, params: UserIdParams, response: { 200: SubscriptionView, ...problems(401, 403, 404) } },
    },
    async (request) => subscriptions.cancel(request.principal!, request.params.id, requestMeta(request)),
  );
};
