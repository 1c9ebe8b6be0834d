import { event } from '../../platform/events.js';

type Plan = { type: string; status: string };

/** Seed 004's subscriptions. Each names its user: a plan shows in that user's /auth/me and access token. */
export const subscriptionEvents = {
  'subscription.set': event<{ userId: string; before: Plan | null; after: Plan }>('subscription'),
  'subscription.cancelled': event<{ userId: string }>('subscription'),
  'subscription.expired': event<{ userId: string }>('subscription'),
} as const;
