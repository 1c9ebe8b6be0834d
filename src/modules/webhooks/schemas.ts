import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';

/** An event type ("user.created"), every event of an entity ("user.*"), or every event ("*"). */
const EventPattern = Type.String({ pattern: '^(\\*|[a-z_]+\\.(\\*|[a-z_]+))$', maxLength: 100 });
const Url = Type.String({ format: 'uri', maxLength: 2000 });
const Status = Type.Union([Type.Literal('ACTIVE'), Type.Literal('DISABLED')]);

export const WebhookView = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  organizationId: Nullable(Uuid),
  ownerId: Nullable(Uuid),
  status: Status,
  failingSince: Nullable(Timestamp),
  disabledAt: Nullable(Timestamp),
  /** While a rotated-out secret still signs too. */
  previousSecretValidUntil: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const WebhookEnvelope = Type.Object({ webhook: WebhookView });
export const WebhookCreated = Type.Object({
  webhook: WebhookView,
  secret: Type.String({ description: 'whsec_…: shown this once; receivers verify signatures with it' }),
});
export const WebhookSecret = Type.Object({
  secret: Type.String({ description: 'the new whsec_… secret, shown this once; the old one keeps signing too for WEBHOOK_SECRET_GRACE' }),
  previousSecretValidUntil: Timestamp,
});
export const WebhookList = Paged(WebhookView);
export const ListWebhooksQuery = Type.Object(pageQuery(), { additionalProperties: false });
export type ListWebhooksQuery = Static<typeof ListWebhooksQuery>;

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Type.Array(EventPattern, { minItems: 1, maxItems: 100, uniqueItems: true }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    organizationId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type CreateWebhook = Static<typeof CreateWebhookBody>;
export const UpdateWebhookBody = Type.Partial(
  Type.Object({
    url: Url,
    events: Type.Array(EventPattern, { minItems: 1, maxItems: 100, uniqueItems: true }),
    description: Nullable(Type.String({ maxLength: 500 })),
    status: Status,
  }),
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhook = Static<typeof UpdateWebhookBody>;

export const WebhookParams = Type.Object({ id: Uuid });
export const DeliveryParams = Type.Object({ id: Uuid, deliveryId: Uuid });

const DeliveryStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('DELIVERED'), Type.Literal('FAILED')]);
export const DeliveryView = Type.Object({
  id: Type.String({ description: 'the webhook-id header of every attempt' }),
  eventType: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Timestamp),
  lastAttemptAt: Nullable(Timestamp),
  responseStatus: Nullable(Type.Integer()),
  responseBody: Nullable(Type.String({ description: "the first kilobyte of the receiver's last answer" })),
  durationMs: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export const DeliveryEnvelope = Type.Object({ delivery: DeliveryView });
export const DeliveryList = Paged(DeliveryView);
export const ListDeliveriesQuery = Type.Object({ ...pageQuery(), status: Type.Optional(DeliveryStatus) }, { additionalProperties: false });
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;
export const ReplayBody = Type.Object(
  {
    from: Timestamp,
    to: Timestamp,
    onlyFailed: Type.Optional(Type.Boolean({ default: false, description: 'replay only the deliveries that failed' })),
  },
  { additionalProperties: false },
);
export type Replay = Static<typeof ReplayBody>;
export const ReplayResult = Type.Object({ replayed: Type.Integer() });
