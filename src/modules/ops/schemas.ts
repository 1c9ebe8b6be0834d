import { Type } from '@sinclair/typebox';

const DependencyStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
  latencyMs: Type.Optional(Type.Number()),
});

export const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
  database: Type.Intersect([DependencyStatus, Type.Object({ driver: Type.String() })]),
  redis: Type.Optional(DependencyStatus),
  /** False when the primary or Redis is down (503); replicas only degrade a node that still serves. */
  serving: Type.Boolean(),
  replicas: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String(),
        state: Type.Union([Type.Literal('up'), Type.Literal('behind'), Type.Literal('down')]),
        lagMs: Type.Union([Type.Number(), Type.Null()]),
      }),
    ),
  ),
});

export const ProbeResponse = Type.Object({ status: Type.String() });

const Count = Type.Integer({ minimum: 0 });
const Daily = Type.Array(Type.Object({ day: Type.String({ format: 'date' }), count: Count }), {
  description: 'One entry per day of the window, oldest first, zero where nothing happened',
});

/** The administrators' overview figures: users, roles, sign-ins and invitations, within the reader's organization. */
export const Overview = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  days: Type.Integer({ description: 'how many days the daily series cover, today included' }),
  users: Type.Object({
    total: Count,
    active: Count,
    signedInInWindow: Type.Integer({ minimum: 0, description: 'users who signed in during the window' }),
    byStatus: Type.Object({ ACTIVE: Count, PENDING: Count, SUSPENDED: Count, INACTIVE: Count }),
    signUpsPerDay: Daily,
  }),
  roles: Type.Array(Type.Object({ role: Type.String(), users: Count })),
  signIns: Type.Object({ perDay: Daily }),
  failedSignIns: Type.Object({
    perDay: Daily,
    total: Count,
    accounts: Type.Integer({ minimum: 0, description: 'accounts with failed sign-ins in the window' }),
    throttledAccounts: Type.Integer({
      minimum: 0,
      description: 'accounts with five or more failed sign-ins from one address in the last hour: that address now waits between attempts',
    }),
  }),
  invitations: Type.Object({ pending: Count, accepted: Count, expired: Count, cancelled: Count }),
});
