import { Type } from '@sinclair/typebox';

/** RFC 9457 problem details: the body of every error answer. */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

/** Declares the error statuses a route may answer with, all as problem+json. */
export const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, Problem]));
