import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { type ErrorSpec, httpErrors } from './errors.js';
import type { RoutePolicy } from './route-policy.js';
import { declaredCodes, withProblems } from './schemas.js';

const always = [httpErrors.INTERNAL_ERROR, httpErrors.DATABASE_UNAVAILABLE, httpErrors.SHUTTING_DOWN, httpErrors.TOO_MANY_PARAMETERS];
const withInput = [
  httpErrors.VALIDATION_FAILED,
  httpErrors.FIELD_NOT_ALLOWED,
  httpErrors.INVALID_VALUE,
  httpErrors.VALUE_OUT_OF_RANGE,
  httpErrors.MALFORMED_REQUEST,
];
const withBody = [
  httpErrors.MALFORMED_JSON,
  httpErrors.BODY_TOO_DEEP,
  httpErrors.BODY_TOO_LARGE,
  httpErrors.UNSUPPORTED_MEDIA_TYPE,
  httpErrors.MALFORMED_REQUEST,
];
/** A write can run into a unique index that no code of its own is declared for (see `constraintProblems`). */
const withWrite = [httpErrors.ALREADY_EXISTS];

/** Fastify reads a body sent with any method but these, whether or not the route's schema describes one. */
const readsBody = (method: string | string[]) => [method].flat().some((name) => name !== 'GET' && name !== 'HEAD');

/**
 * The query of a documented route that declares none: no parameter. One it would ignore is refused, as a route with a
 * query schema refuses one it does not know, so a client's misspelt or misplaced parameter is said, not dropped.
 */
const NoQuery = Type.Object({}, { additionalProperties: false });

/**
 * Gives a documented route that declares no query the query of none (`NoQuery`), then adds to every documented
 * route the problems it can answer whatever it does: 5xx, a query string of
 * too many parameters, input validation when it takes input, the refusals of a body's reader and the
 * generic unique-violation 409 when its method has a body, and from its policy 401 (with the
 * authenticator's codes) and 403. A route's own schema then lists only its domain's codes.
 */
export function declareImplicitProblems(app: FastifyInstance, authenticationErrors: ErrorSpec[]) {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema || schema.hide) return;
    schema.querystring ??= NoQuery;
    const policy = route.config?.auth as RoutePolicy | undefined;
    const implied: ErrorSpec[] = [...always];
    if (schema.body || schema.querystring || schema.params) implied.push(...withInput);
    if (schema.body || readsBody(route.method)) implied.push(...withBody);
    if (readsBody(route.method)) implied.push(...withWrite);
    if (policy === 'optional') implied.push(...authenticationErrors);
    else if (policy && policy !== 'public') implied.push(httpErrors.UNAUTHORIZED, ...authenticationErrors);
    if (policy && typeof policy === 'object') implied.push(httpErrors.FORBIDDEN);
    if (route.config?.stepUp) implied.push(httpErrors.STEP_UP_REQUIRED);
    route.schema = { ...schema, response: withProblems((schema.response as Record<string, unknown>) ?? {}, implied) };
  });
}

/**
 * For tests: reports any answer whose status, or problem code, the route's schema does not declare, so
 * the OpenAPI document cannot drift from what the API does.
 */
export function checkDeclaredAnswers(app: FastifyInstance, report: (violation: string) => void) {
  app.addHook('onSend', async (request, reply, payload) => {
    const schema = request.routeOptions.schema as Record<string, unknown> | undefined;
    if (!request.routeOptions.url || !schema || schema.hide) return payload;
    const where = `${request.method} ${request.routeOptions.url}`;
    const response = schema.response as Record<string, unknown> | undefined;
    const declared = response?.[String(reply.statusCode)];
    if (!declared) {
      report(`${where} answered ${reply.statusCode}, which its schema does not declare`);
      return payload;
    }
    const codes = declaredCodes(declared);
    if (codes && typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('application/problem+json')) {
      const { code } = JSON.parse(payload) as { code: string };
      if (!codes.includes(code)) report(`${where} answered ${reply.statusCode} ${code}, which its schema does not declare`);
    }
    return payload;
  });
}
