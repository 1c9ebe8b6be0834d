import { defineErrors } from '../../http/errors.js';

export const webhookErrors = defineErrors({
  WEBHOOK_NOT_FOUND: [404, 'Webhook not found.'],
  WEBHOOK_DELIVERY_NOT_FOUND: [404, 'Webhook delivery not found.'],
  WEBHOOK_OUTSIDE_TENANCY: [403, "An organization's administrator subscribes to their own organization's events only."],
});
