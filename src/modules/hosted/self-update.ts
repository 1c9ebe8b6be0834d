import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { addTesseraFormats } from '../../http/formats.js';
import { type SelfUpdate, SelfUpdateBody } from '../users/schemas.js';

/**
 * A profile form's values checked against the schema `PUT /users/profile` validates with (the same formats: E.164
 * phones, IANA time zones, BCP 47 languages), so a page accepts exactly what the API does.
 */
let compiled: ValidateFunction<SelfUpdate> | undefined;
/** Compiled at the first profile form a process checks, not as every node starts. */
const check = () => {
  compiled ??= addTesseraFormats(addFormats.default(new Ajv.default({ allErrors: true, strict: false }))).compile<SelfUpdate>(
    SelfUpdateBody,
  );
  return compiled;
};

/** The form fields whose values failed, by the name of the field (the last part of each error's path). */
export function invalidSelfUpdateFields(body: SelfUpdate): string[] {
  const validate = check();
  if (validate(body)) return [];
  return [...new Set((validate.errors ?? []).map((error) => error.instancePath.split('/').pop() ?? ''))];
}
