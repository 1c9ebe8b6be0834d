/**
 * Checks a form's fields against the request body's JSON Schema as the API publishes it (generated into
 * @tessera/client's request-bodies), so a field's problem shows as soon as the field is left, before anything
 * is sent. The subset Tessera's bodies use; the API still validates everything and stays the authority.
 */
export interface JsonSchema {
  readonly type?: string;
  readonly anyOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
}

/** The values a choice may take (a union of literals), for a select's options. */
export const choicesOf = (schema: JsonSchema | undefined): string[] =>
  (schema?.anyOf ?? (schema ? [schema] : [])).flatMap((branch) => (branch.enum ?? []).map(String));

const formatChecks: Record<string, { test: (value: string) => boolean; message: string }> = {
  email: { test: (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), message: 'Not an email address.' },
  uri: { test: (value) => URL.canParse(value), message: 'Not a URL.' },
  'http-url': { test: (value) => /^https?:\/\//.test(value) && URL.canParse(value), message: 'Not an http(s) URL.' },
  uuid: { test: (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value), message: 'Not an id.' },
  date: { test: (value) => /^\d{4}-\d{2}-\d{2}$/.test(value), message: 'Not a date.' },
};

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** The first problem of a value against a schema, as a sentence; undefined when it is valid. */
export function problemOf(schema: JsonSchema, value: unknown): string | undefined {
  const choices = choicesOf(schema);
  if (choices.length > 1 && schema.anyOf?.every((branch) => branch.enum)) {
    return choices.includes(String(value)) ? undefined : `Must be one of ${choices.join(', ')}.`;
  }
  if (schema.anyOf) {
    const problems = schema.anyOf.map((branch) => problemOf(branch, value));
    return problems.includes(undefined) ? undefined : problems.find((problem, index) => schema.anyOf?.[index]?.type !== 'null' && problem);
  }
  if (schema.const !== undefined && value !== schema.const) return `Must be ${String(schema.const)}.`;
  if (schema.enum && !schema.enum.includes(value)) return `Must be one of ${schema.enum.join(', ')}.`;
  const actual = typeOf(value);
  if (schema.type === 'integer' ? !Number.isInteger(value) : schema.type && schema.type !== actual) return `Must be a ${schema.type}.`;
  if (typeof value === 'string') return stringProblem(schema, value);
  if (typeof value === 'number') return numberProblem(schema, value);
  if (Array.isArray(value)) return arrayProblem(schema, value);
  return undefined;
}

function stringProblem(schema: JsonSchema, value: string) {
  if (schema.minLength !== undefined && value.length < schema.minLength)
    return schema.minLength === 1 ? 'Required.' : `At least ${schema.minLength} characters.`;
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return `At most ${schema.maxLength} characters.`;
  const format = schema.format ? formatChecks[schema.format] : undefined;
  if (format && !format.test(value)) return format.message;
  if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value))
    return `Not in the form required${schema.description ? ` (${schema.description})` : ''}.`;
  return undefined;
}

function numberProblem(schema: JsonSchema, value: number) {
  if (schema.minimum !== undefined && value < schema.minimum) return `At least ${schema.minimum}.`;
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return `More than ${schema.exclusiveMinimum}.`;
  if (schema.maximum !== undefined && value > schema.maximum) return `At most ${schema.maximum}.`;
  return undefined;
}

function arrayProblem(schema: JsonSchema, value: unknown[]) {
  if (schema.minItems !== undefined && value.length < schema.minItems) return `Choose at least ${schema.minItems}.`;
  if (schema.maxItems !== undefined && value.length > schema.maxItems) return `Choose at most ${schema.maxItems}.`;
  const items = schema.items;
  return items ? value.map((item) => problemOf(items, item)).find(Boolean) : undefined;
}

/** Each field of an object body with a problem: missing when required, or its value's problem. */
export function fieldProblems(schema: JsonSchema, body: Record<string, unknown>): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const name of schema.required ?? []) if (body[name] === undefined || body[name] === '') problems[name] = 'Required.';
  for (const [name, value] of Object.entries(body)) {
    const field = schema.properties?.[name];
    const problem = field && value !== undefined && !problems[name] ? problemOf(field, value) : undefined;
    if (problem) problems[name] = problem;
  }
  return problems;
}
