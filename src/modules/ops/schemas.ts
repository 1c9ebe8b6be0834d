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
