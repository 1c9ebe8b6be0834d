import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { userErrors } from '../users/errors.js';
import { UserIdParams } from '../users/schemas.js';
import { subscriptionErrors as errors } from './errors.js';
import { PutSubscriptionBody, SubscriptionView } from './schemas.js';
import type { SubscriptionsService } from './service.js';

const tags = ['subscriptions'];

export const subscriptionRoutes: FastifyPluginAsyncTypebox<{ subscriptions: SubscriptionsService }> = async (app, { subscriptions }) => {
  const manage = requirePermission('subscriptions:manage');
  app.get(
    '/users/:id/subscription',
    {
      config: requirePermissionOrSelf('subscriptions:read'),
      schema: {
        tags,
        summary: "Get a user's subscription",
        description:
          "The user's subscription (`me` for your own): plan, status, period and features. A user without one answers SUBSCRIPTION_NOT_FOUND.",
        params: UserIdParams,
        response: { 200: SubscriptionView, ...problems(userErrors.USER_NOT_FOUND, errors.SUBSCRIPTION_NOT_FOUND) },
      },
    },
    async (request) => subscriptions.get(signedIn(request.caller), request.params.id),
  );
  app.put(
    '/users/:id/subscription',
    {
      config: manage,
      schema: {
        tags,
        summary: "Set a user's subscription",
        description:
          'Puts the user on the plan named in `type`, from `startDate` (default now) to `endDate` (none: open-ended). An end not after the start answers INVALID_PERIOD.',
        params: UserIdParams,
        body: PutSubscriptionBody,
        response: { 200: SubscriptionView, ...problems(userErrors.USER_NOT_FOUND, errors.INVALID_PERIOD) },
      },
    },
    async (request) => subscriptions.put(signedIn(request.caller), request.params.id, request.body),
  );
  app.post(
    '/users/:id/subscription/cancel',
    {
      config: manage,
      schema: {
        tags,
        summary: "Cancel a user's subscription",
        description:
          'Cancels the active subscription; it stays readable with status CANCELLED. A user without an active one answers ACTIVE_SUBSCRIPTION_NOT_FOUND.',
        params: UserIdParams,
        response: { 200: SubscriptionView, ...problems(userErrors.USER_NOT_FOUND, errors.ACTIVE_SUBSCRIPTION_NOT_FOUND) },
      },
    },
    async (request) => subscriptions.cancel(signedIn(request.caller), request.params.id),
  );
};
