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
});

export const ProbeResponse = Type.Object({ status: Type.String() });
