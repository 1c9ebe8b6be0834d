import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { httpErrors } from './errors.js';
import { addTesseraFormats } from './formats.js';

const shared: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };
const NUL = '\u0000';

/** JSON pointers of every string under `value` that holds U+0000. */
function nulPaths(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes(NUL) ? [path || '/'] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [
    ...(key.includes(NUL) ? [`${path}/${key.replaceAll(NUL, '\\u0000')}`] : []),
    ...nulPaths(item, `${path}/${key.replaceAll(NUL, '\\u0000')}`),
  ]);
}

/**
 * Two validators: query strings, path params and headers arrive as text and are coerced to the declared
 * types; JSON bodies already carry types, so they are taken exactly as sent ("1" is not a number,
 * ["a"] is not a string). And no text anywhere may hold U+0000: PostgreSQL cannot store it, so it is
 * refused by name before any schema or service sees it.
 */
export function registerValidation(app: FastifyInstance) {
  const coercing = addTesseraFormats(addFormats.default(new Ajv.default({ ...shared, coerceTypes: 'array' })));
  const exact = addTesseraFormats(addFormats.default(new Ajv.default({ ...shared, coerceTypes: false })));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema));
  app.addHook('preValidation', async (request) => {
    const found = [...nulPaths(request.params, '/params'), ...nulPaths(request.query, '/query'), ...nulPaths(request.body, '')];
    if (found.length > 0) {
      throw httpErrors.VALIDATION_FAILED({
        detail: 'Text may not contain the NUL character (U+0000).',
        errors: found.map((path) => ({ path, message: 'must not contain U+0000' })),
      });
    }
  });
}
