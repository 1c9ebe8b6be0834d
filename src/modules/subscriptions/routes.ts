import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { IdParams, problems } from '../../http/schemas.js';
import { accessErrors } from '../access/errors.js';
import { userErrors } from '../users/errors.js';
import { UserIdParams } from '../users/schemas.js';
import { subscriptionErrors as errors } from './errors.js';
import { CreatePlanBody, PlanList, PlanView, PutSubscriptionBody, SubscriptionView, UpdatePlanBody } from './schemas.js';
import type { SubscriptionsService } from './service.js';

const operation = operations(['subscriptions']);

export const subscriptionRoutes: FastifyPluginAsyncTypebox<{ subscriptions: SubscriptionsService }> = async (app, { subscriptions }) => {
  const manage = requirePermission('subscriptions:manage');
  app.get(
    '/users/:id/subscription',
    operation(requirePermissionOrSelf('subscriptions:read'), {
      summary: "Get a user's subscription",
      description:
        "The user's subscription (`me` for your own): plan, status, period and features. A user without one answers SUBSCRIPTION_NOT_FOUND.",
      params: UserIdParams,
      response: { 200: SubscriptionView, ...problems(userErrors.USER_NOT_FOUND, errors.SUBSCRIPTION_NOT_FOUND) },
    }),
    async (request) => subscriptions.get(signedIn(request.caller), request.params.id),
  );
  app.put(
    '/users/:id/subscription',
    operation(manage, {
      summary: "Set a user's subscription",
      description:
        "Puts the user on the plan named in `type`, from `startDate` (default now) to `endDate` (none: open-ended). An end not after the start answers INVALID_PERIOD. The plan is the account's in every organization: a user holding access you do not (here or, for an administrator of one organization, in another) answers ACCOUNT_HOLDS_MORE_ACCESS.",
      params: UserIdParams,
      body: PutSubscriptionBody,
      response: {
        200: SubscriptionView,
        ...problems(userErrors.USER_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, errors.INVALID_PERIOD),
      },
    }),
    async (request) => subscriptions.put(signedIn(request.caller), request.params.id, request.body),
  );
  app.post(
    '/users/:id/subscription/cancel',
    operation(manage, {
      summary: "Cancel a user's subscription",
      description:
        'Cancels the active subscription; it stays readable with status CANCELLED. A user without an active one answers ACTIVE_SUBSCRIPTION_NOT_FOUND; one holding access you do not, ACCOUNT_HOLDS_MORE_ACCESS.',
      params: UserIdParams,
      response: {
        200: SubscriptionView,
        ...problems(userErrors.USER_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, errors.ACTIVE_SUBSCRIPTION_NOT_FOUND),
      },
    }),
    async (request) => subscriptions.cancel(signedIn(request.caller), request.params.id),
  );
  app.get(
    '/subscription-plans',
    operation(requirePermission('subscriptions:read'), {
      summary: 'List subscription plans',
      description:
        "The plans a subscription can name as its `type`, with their features and how many active subscriptions each has (an organization's administrator counts their organization's members only).",
      response: { 200: PlanList },
    }),
    async (request) => subscriptions.listPlans(signedIn(request.caller)),
  );
  app.post(
    '/subscription-plans',
    operation(manage, {
      summary: 'Create a subscription plan',
      description:
        "A new plan. A subscription put on it without features of its own gets the plan's features. A name already taken answers NAME_ALREADY_EXISTS. The catalogue is shared by every organization: only a holder of tenants:all changes it (SHARED_CATALOG).",
      body: CreatePlanBody,
      response: { 201: PlanView, ...problems(httpErrors.NAME_ALREADY_EXISTS, accessErrors.SHARED_CATALOG) },
    }),
    (request) => subscriptions.createPlan(signedIn(request.caller), request.body),
  );
  app.patch(
    '/subscription-plans/:id',
    operation(manage, {
      summary: "Edit a subscription plan's description or features",
      description:
        'Changes the description or the features of a plan. Subscriptions already on the plan keep the features they were given; new ones get these. Only a holder of tenants:all changes the catalogue (SHARED_CATALOG).',
      params: IdParams,
      body: UpdatePlanBody,
      response: { 200: PlanView, ...problems(errors.PLAN_NOT_FOUND, accessErrors.SHARED_CATALOG) },
    }),
    async (request) => subscriptions.updatePlan(signedIn(request.caller), request.params.id, request.body),
  );
};
