import { type TObject, type TSchema, Type } from '@sinclair/typebox';
import type { ErrorSpec } from './errors.js';

/** Shared building blocks of the modules' schemas: one definition each. */
export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** E.164: a plus, a country code, up to 15 digits. */
export const PHONE_MAX_LENGTH = 16;
export const Phone = Type.String({ pattern: `^\\+[1-9][0-9]{6,${PHONE_MAX_LENGTH - 2}}$`, description: 'E.164' });
export const USERNAME_MAX_LENGTH = 50;
export const Username = Type.String({ pattern: `^[A-Za-z0-9_.-]{3,${USERNAME_MAX_LENGTH}}$` });
export const NoContent = { type: 'null' } as const;
export const IdParams = Type.Object({ id: Uuid });

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

const problemWith = (codes: string[]): TObject =>
  Type.Object(
    { ...Problem.properties, code: Type.Unsafe<string>({ type: 'string', enum: codes }) },
    { description: `Problem codes: ${codes.join(', ')}` },
  );

/** The codes a problem schema declares (none: any code). */
export const declaredCodes = (schema: unknown): string[] | undefined =>
  ((schema as TObject | undefined)?.properties?.code as { enum?: string[] } | undefined)?.enum;

/**
 * The problems a route may answer with, from catalogue entries: one problem+json schema per status,
 * listing its codes (which the OpenAPI document shows). Codes every route shares (validation, 401/403
 * from its policy, 5xx) are added to each route by `declareImplicitProblems`.
 */
export function problems(...entries: ErrorSpec[]): Record<number, TSchema> {
  const byStatus = new Map<number, string[]>();
  for (const entry of entries) byStatus.set(entry.status, [...(byStatus.get(entry.status) ?? []), entry.code]);
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, problemWith([...new Set(codes)])]));
}

/** Adds `entries` to a route's declared responses, merging codes into statuses it already declares. */
export function withProblems(response: Record<string, unknown>, entries: ErrorSpec[]): Record<string, unknown> {
  const merged = { ...response };
  for (const [status, schema] of Object.entries(problems(...entries))) {
    const existing = merged[status];
    if (existing === undefined) merged[status] = schema;
    else {
      const codes = declaredCodes(existing);
      // A status declared with any code, or as a success, stays as it is.
      if (codes) merged[status] = problemWith([...new Set([...codes, ...(declaredCodes(schema) ?? [])])]);
    }
  }
  return merged;
}
