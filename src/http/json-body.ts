import type { FastifyInstance } from 'fastify';
import { nestsDeeperThan } from '../platform/json-limits.js';
import { namesNonUtf8Charset } from './charset.js';
import { httpErrors } from './errors.js';

/** Refuses bytes that are not UTF-8 instead of replacing them with U+FFFD, which would be stored as if sent. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies as Fastify reads them (an empty body, bad JSON, `__proto__` or `constructor.prototype` at
 * any depth: refused), after one pass over the text that refuses nesting deeper than any Tessera shape,
 * so nothing after the parser (validation, the NUL check, services, PostgreSQL's jsonb) meets it. The bytes
 * must be UTF-8, and a charset, if named, must be UTF-8's.
 */
export function registerJsonParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    if (namesNonUtf8Charset(request.headers['content-type']))
      return done(httpErrors.UNSUPPORTED_MEDIA_TYPE('JSON is read as UTF-8 only.'), undefined);
    let body: string;
    try {
      body = utf8.decode(bytes as Buffer);
    } catch (error) {
      return done(httpErrors.MALFORMED_JSON({ detail: 'The request body is not valid UTF-8.', cause: error }), undefined);
    }
    if (nestsDeeperThan(body)) return done(httpErrors.BODY_TOO_DEEP(), undefined);
    // A client that labels an empty request as JSON has sent no body, which a route that needs none accepts.
    if (request.routeOptions.config.optionalBody && body.trim() === '') return done(null, undefined);
    parse(request, body, done);
  });
}
