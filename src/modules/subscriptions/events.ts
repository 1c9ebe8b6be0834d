import { Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { changes, internalEvent, payload, publicEvent } from '../../platform/events.js';

const Plan = payload({ type: Type.String(), status: Type.String() });
const OfUser = payload({ userId: Type.String() });
const PlanState = payload({ description: Nullable(Type.String()), features: Type.Array(Type.String()) });

/** Subscription changes. Each names its user: a plan shows in that user's /auth/me and access token. */
export const subscriptionEvents = {
  'subscription.set': publicEvent('subscription', 1, payload({ userId: Type.String(), before: Nullable(Plan), after: Plan })),
  'subscription.cancelled': publicEvent('subscription', 1, OfUser),
  'subscription.expired': publicEvent('subscription', 1, OfUser),
  // The plan catalogue is an administrator's configuration: audited, not part of the webhook contract.
  'subscription_plan.created': internalEvent('subscription_plan', 1, payload({ name: Type.String(), features: Type.Array(Type.String()) })),
  'subscription_plan.updated': internalEvent('subscription_plan', 1, changes(PlanState)),
} as const;
