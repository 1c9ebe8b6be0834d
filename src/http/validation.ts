import Ajv, { type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { TEXT_FLAWS, unstorableText } from '../platform/json-limits.js';
import { httpErrors, MAX_FIELD_ERRORS } from './errors.js';
import { addTesseraFormats } from './formats.js';
import { hasTooManyParameters } from './query-string.js';

const shared: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

let compilers: { coercing: Ajv.default; exact: Ajv.default } | undefined;

/**
 * Made once per process. Ajv keeps each compiled schema by the schema object, and the routes' schemas are
 * module constants: every app built after the first in a process (a peer node, each test file of a test
 * worker) reuses the compiled validators instead of compiling them all again, most of building an app.
 */
function validators() {
  compilers ??= {
    coercing: addTesseraFormats(addFormats.default(new Ajv.default({ ...shared, coerceTypes: 'array' }))),
    exact: addTesseraFormats(addFormats.default(new Ajv.default({ ...shared, coerceTypes: false }))),
  };
  return compilers;
}

/**
 * Compiled when it first validates: most of a node's routes see no request in its first seconds, and compiling
 * every route's schemas as the app starts was a fifth of a node's start. It stands for Ajv's function whole:
 * Fastify reads `schemaEnv` (present on every compiled one) to pass the parent object that lets Ajv coerce a
 * root value, and `errors` after a refusal.
 */
function compiledOnFirstUse(compile: () => ValidateFunction) {
  let compiled: ValidateFunction | undefined;
  const validator = () => {
    compiled ??= compile();
    return compiled;
  };
  const validate = (data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    const valid = validator()(data, context);
    validate.errors = validator().errors;
    return valid;
  };
  validate.errors = undefined as ValidateFunction['errors'];
  Object.defineProperty(validate, 'schemaEnv', { get: () => validator().schemaEnv });
  return validate;
}

/**
 * Two validators: query strings, path params and headers arrive as text and are coerced to the declared
 * types; JSON bodies already carry types, so they are taken exactly as sent ("1" is not a number,
 * ["a"] is not a string). And no text anywhere may hold U+0000 (PostgreSQL cannot store it) or a lone
 * surrogate (a `\ud800` escape: it would be stored as U+FFFD): each is refused by name before any schema or
 * service sees it, as is a query string of more parameters than any route takes.
 */
export function registerValidation(app: FastifyInstance) {
  const { coercing, exact } = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => compiledOnFirstUse(() => (httpPart === 'body' ? exact : coercing).compile(schema)));
  app.addHook('preValidation', async (request) => {
    if (hasTooManyParameters(request.query)) throw httpErrors.TOO_MANY_PARAMETERS();
    const found = [
      ...unstorableText(request.params, '/params'),
      ...unstorableText(request.query, '/query'),
      ...unstorableText(request.body, ''),
    ];
    if (found.length > 0) {
      const onlyNul = found.every(({ message }) => message === TEXT_FLAWS.nul);
      throw httpErrors.VALIDATION_FAILED({
        detail: onlyNul
          ? 'Text may not contain the NUL character (U+0000).'
          : 'Text must be Unicode without the NUL character (U+0000): a lone surrogate cannot be stored.',
        errors: found.slice(0, MAX_FIELD_ERRORS),
      });
    }
  });
}
