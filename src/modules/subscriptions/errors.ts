import { defineErrors } from '../../http/errors.js';

export const subscriptionErrors = defineErrors({
  SUBSCRIPTION_NOT_FOUND: [404, 'Subscription not found.'],
  ACTIVE_SUBSCRIPTION_NOT_FOUND: [404, 'Active subscription not found.'],
  PLAN_NOT_FOUND: [404, 'Subscription plan not found.'],
  INVALID_PERIOD: [400, 'endDate must be after startDate.'],
});
