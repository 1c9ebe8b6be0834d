import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

const shared: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

/**
 * Two validators: query strings, path params and headers arrive as text and are coerced to the declared
 * types; JSON bodies already carry types, so they are taken exactly as sent ("1" is not a number,
 * ["a"] is not a string).
 */
export function registerValidation(app: FastifyInstance) {
  const coercing = addFormats.default(new Ajv.default({ ...shared, coerceTypes: 'array' }));
  const exact = addFormats.default(new Ajv.default({ ...shared, coerceTypes: false }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema));
}
