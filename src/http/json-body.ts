import type { FastifyInstance } from 'fastify';
import { nestsDeeperThan } from '../platform/json-limits.js';
import { httpErrors } from './errors.js';

/**
 * JSON bodies as Fastify reads them (an empty body, bad JSON, `__proto__` or `constructor.prototype` at
 * any depth: refused), after one pass over the text that refuses nesting deeper than any Tessera shape,
 * so nothing after the parser (validation, the NUL check, services, PostgreSQL's jsonb) meets it.
 */
export function registerJsonParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string)) return done(httpErrors.BODY_TOO_DEEP(), undefined);
    // A client that labels an empty request as JSON has sent no body, which a route that needs none accepts.
    if (request.routeOptions.config.optionalBody && (body as string).trim() === '') return done(null, undefined);
    parse(request, body as string, done);
  });
}
