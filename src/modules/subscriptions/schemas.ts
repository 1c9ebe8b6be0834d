import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';

export const SubscriptionView = Type.Object({
  id: Uuid,
  type: Type.String(),
  status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('CANCELLED'), Type.Literal('EXPIRED')]),
  startDate: Timestamp,
  endDate: Nullable(Timestamp),
  features: Type.Array(Type.String()),
  cancelledAt: Nullable(Timestamp),
});

export const PutSubscriptionBody = Type.Object(
  {
    type: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,49}$', description: 'plan name, e.g. FREE, BASIC, PREMIUM' }),
    startDate: Type.Optional(Timestamp),
    endDate: Type.Optional(Nullable(Timestamp)),
    features: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export type PutSubscription = Static<typeof PutSubscriptionBody>;
