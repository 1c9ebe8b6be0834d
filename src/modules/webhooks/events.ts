import { Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { internalEvent, payload } from '../../platform/events.js';

const Subscription = { url: Type.String(), events: Type.Array(Type.String()), organizationId: Nullable(Type.String()) };

/** Webhook endpoints: configuration of the delivery itself, audited, never delivered. */
export const webhookEvents = {
  'webhook.created': internalEvent('webhook', 1, payload(Subscription)),
  'webhook.updated': internalEvent(
    'webhook',
    1,
    payload({ fields: Type.Array(Type.String()), url: Type.String(), events: Type.Array(Type.String()), status: Type.String() }),
  ),
  'webhook.deleted': internalEvent('webhook', 1, payload({ url: Type.String() })),
  'webhook.secret_rotated': internalEvent('webhook', 1, payload({ previousValidUntil: Type.String() })),
  'webhook.disabled': internalEvent('webhook', 1, payload({ url: Type.String(), failingSince: Type.String() })),
} as const;
