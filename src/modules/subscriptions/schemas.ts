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

const PlanName = Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,49}$', description: 'the name subscriptions give as `type`, e.g. PREMIUM' });
const PlanFeatures = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, uniqueItems: true });

export const PlanView = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Nullable(Type.String()),
  features: Type.Array(Type.String()),
  subscribers: Type.Integer({ minimum: 0, description: 'active subscriptions on the plan' }),
  createdAt: Timestamp,
});
export const PlanList = Type.Object({ data: Type.Array(PlanView) });
export const CreatePlanBody = Type.Object(
  { name: PlanName, description: Type.Optional(Type.String({ maxLength: 500 })), features: Type.Optional(PlanFeatures) },
  { additionalProperties: false },
);
export const UpdatePlanBody = Type.Object(
  { description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))), features: Type.Optional(PlanFeatures) },
  { additionalProperties: false, minProperties: 1 },
);

export type CreatePlan = Static<typeof CreatePlanBody>;
export type UpdatePlan = Static<typeof UpdatePlanBody>;
