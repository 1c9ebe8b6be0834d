import type { FastifyInstance } from 'fastify';
import type { RoutePolicy } from './route-policy.js';

/** The two ways to present credentials (src/modules/auth/module.ts reads both); /docs "Authorize" offers them. */
export const securitySchemes = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /auth/login or /auth/refresh-token (an API key is accepted here too).',
  },
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key from POST /auth/api-keys.' },
} as const;

const eitherCredential: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKey: [] }];

/**
 * What the policy asks of a caller, as OpenAPI says it: nothing (`[]`), either credential, or either
 * credential or none (`{}`: anyone may call; one who sends credentials is known).
 */
export function securityOf(policy: RoutePolicy): Record<string, string[]>[] {
  if (policy === 'public') return [];
  if (policy === 'optional') return [{}, ...eitherCredential];
  return eitherCredential;
}

const singular = (word: string) => (word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.replace(/s$/, ''));
const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * A stable operationId from method and path: the method, then the path's words, a collection named in
 * the singular where one of it is addressed (`GET /users/:id/goals/:goalId` → `getUserGoal`).
 */
export function operationIdOf(method: string, url: string): string {
  const segments = url.split('/').filter(Boolean);
  const words = segments.flatMap((segment, index) => {
    if (segment.startsWith(':')) return [];
    const addressed = segments[index + 1]?.startsWith(':');
    return segment
      .split(/[-._]/)
      .filter(Boolean)
      .map((word, at, all) => capitalized(addressed && at === all.length - 1 ? singular(word) : word));
  });
  return method.toLowerCase() + words.join('');
}

/**
 * Gives every documented operation its `security` from the route's policy and an `operationId` from its
 * method and path (a route may name its own), so Swagger UI sends the credentials "Authorize" holds and
 * clients generated from the document get stable names. Two routes deriving one id fail the start.
 */
export function declareOperations(app: FastifyInstance) {
  const taken = new Map<string, string>();
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    const policy = route.config?.auth as RoutePolicy | undefined;
    if (!schema || schema.hide || !policy || typeof route.method !== 'string' || route.method === 'HEAD') return;
    const operationId = (schema.operationId as string | undefined) ?? operationIdOf(route.method, route.url);
    const where = `${route.method} ${route.url}`;
    const holder = taken.get(operationId);
    if (holder) throw new Error(`${where} and ${holder} both have the operationId ${operationId}`);
    taken.set(operationId, where);
    route.schema = { ...schema, operationId, security: securityOf(policy) };
  });
}
