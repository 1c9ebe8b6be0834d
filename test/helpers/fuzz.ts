import fc from 'fast-check';
import type { TestApp } from './app.js';
import { structuralRequest } from './structural.js';

/**
 * Schema-driven hostile requests built from the app's own /openapi.json: every documented operation,
 * with parameters and bodies that are sometimes valid, sometimes almost valid and sometimes garbage,
 * sent anonymously, as a plain user or as a super-admin. Used by test/fuzz.test.ts (a few thousand
 * cases) and `npm run fuzz -- --total 100000`.
 */

export type Schema = {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
};

export interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: Record<string, Schema>;
  body?: Schema;
  /** The media types the body may come in (JSON when absent). */
  consumes: string[];
}

export interface FuzzRequest {
  method: string;
  url: string;
  /** A value sent as JSON, or the raw body (structural extremes JSON.stringify cannot write). */
  payload?: unknown;
  raw?: { body: string | Buffer; contentType: string };
  as: 'anonymous' | 'user' | 'admin';
}

const hostileStrings = [
  '',
  ' ',
  'a\u0000b',
  '%',
  '%ff',
  '../../etc/passwd',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '\u202e\u200b',
  '😀'.repeat(50),
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'me',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '[]',
];

const hostileString = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const hostileValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

function safePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/** A value shaped like `schema` (valid or nearly), or, now and then, anything at all. */
export function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostileValue;
  const valid = validFor(schema, depth);
  return fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostileValue, weight: 1 });
}

function validFor(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants?.length) return fc.oneof(...variants.map((variant) => valueFor(variant, depth + 1)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(schema.items, depth + 1), { maxLength: 4 });
    case 'object':
      return objectFor(schema, depth);
    default:
      return hostileValue;
  }
}

function stringFor(schema: Schema): fc.Arbitrary<unknown> {
  switch (schema.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    case 'date-time':
      return fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uri':
      return fc.webUrl();
  }
  const pattern = schema.pattern ? safePattern(schema.pattern) : undefined;
  if (pattern) return fc.stringMatching(pattern).filter((value) => value.length <= (schema.maxLength ?? 5000));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 60) });
}

function objectFor(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const record = fc.record(Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueFor(property, depth + 1)])), {
    requiredKeys: (schema.required ?? []).filter((key) => key in properties),
  });
  // Sometimes a field nobody may set (mass assignment), sometimes a required one missing.
  return fc
    .tuple(record, fc.option(fc.tuple(fc.constantFrom('role', 'isAdmin', 'passwordHash', 'organizationId', 'id', 'status'), hostileValue)))
    .map(([value, extra]) => (extra ? { ...(value as object), [extra[0]]: extra[1] } : value));
}

function resolve(document: Record<string, unknown>, schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  const path = schema.$ref.replace(/^#\//, '').split('/');
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], document) as Schema;
}

/** Every operation of the document, with what it takes. */
export function operationsOf(document: Record<string, unknown>): Operation[] {
  const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, spec] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = (spec.parameters as { in: string; name: string; schema: Schema }[] | undefined) ?? [];
      const content = (spec.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        query: Object.fromEntries(
          parameters.filter((parameter) => parameter.in === 'query').map((parameter) => [parameter.name, parameter.schema]),
        ),
        body: resolve(document, content?.['application/json']?.schema),
        consumes: Object.keys(content ?? {}),
      });
    }
  }
  return operations;
}

const pathValue = fc.oneof(
  { arbitrary: fc.uuid(), weight: 3 },
  { arbitrary: fc.constant('me'), weight: 2 },
  { arbitrary: fc.constantFrom(...hostileStrings).map((value) => encodeURIComponent(value)), weight: 1 },
  { arbitrary: fc.constantFrom('%ff', '%', 'a'.repeat(200), '..%2f..%2f'), weight: 1 },
);

function queryString(values: Record<string, unknown>): string {
  const parts = Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** An arbitrary request against one of the operations, shaped by its schemas. */
export function schemaRequest(operations: Operation[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...operations).chain((operation) =>
    fc
      .record({
        params: fc.tuple(...operation.pathParams.map(() => pathValue)),
        query: fc.record(Object.fromEntries(Object.entries(operation.query).map(([key, schema]) => [key, valueFor(schema)])), {
          requiredKeys: [],
        }),
        payload: operation.body ? valueFor(operation.body) : fc.constant(undefined),
        as: fc.constantFrom('anonymous', 'user', 'admin') as fc.Arbitrary<FuzzRequest['as']>,
      })
      .map(({ params, query, payload, as }) => {
        let index = 0;
        const path = operation.path.replace(/\{[^}]+\}/g, () => String(params[index++]));
        return { method: operation.method, url: `${path}${queryString(query)}`, payload, as };
      }),
  );
}

const leak = /node_modules|\bat [\w.]+ \(|\.ts:\d+|SELECT |INSERT INTO|UPDATE \w+ SET|DELETE FROM|syntax error|relation "|FST_|ECONN/i;

/** What must hold for every answer: no 5xx, our problem+json on every 4xx, no stack or SQL text. */
export function answerProblems(request: FuzzRequest, response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  const found: string[] = [];
  const where = `${request.method} ${request.url.slice(0, 120)} as ${request.as}`;
  if (response.statusCode >= 500) found.push(`${where} → ${response.statusCode} ${response.body.slice(0, 200)}`);
  if (response.statusCode >= 400) {
    if (!String(response.headers['content-type']).startsWith('application/problem+json'))
      found.push(`${where} → ${response.statusCode} not problem+json`);
    else if (!/^[A-Z][A-Z0-9_]+$/.test(JSON.parse(response.body).code ?? '')) found.push(`${where} → problem without a code`);
  }
  if (leak.test(response.body)) found.push(`${where} → ${response.statusCode} leaks internals: ${response.body.slice(0, 200)}`);
  return found;
}

export type Credentials = Record<Exclude<FuzzRequest['as'], 'anonymous'>, Record<string, string>>;

/** Schema-shaped requests, and one in four structurally extreme whatever the schemas say. */
export const requestArbitrary = (operations: Operation[]) =>
  fc.oneof({ arbitrary: schemaRequest(operations), weight: 3 }, { arbitrary: structuralRequest(operations), weight: 1 });

function injectOptions(request: FuzzRequest, credentials: Credentials) {
  const signedIn = request.as === 'anonymous' ? {} : credentials[request.as];
  if (request.raw) return { payload: request.raw.body, headers: { ...signedIn, 'content-type': request.raw.contentType } };
  if (request.payload === undefined) return { headers: signedIn };
  return { payload: JSON.stringify(request.payload), headers: { ...signedIn, 'content-type': 'application/json' } };
}

/** The answer time below which `share` of the requests fell, in milliseconds. */
const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0;

/** Sends `total` generated requests; returns every broken rule (empty when all held) and answer times. */
export async function fuzz(
  app: TestApp,
  credentials: Credentials,
  options: { total: number; seed?: number; onProgress?: (done: number) => void },
) {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Record<string, unknown>;
  const arbitrary = requestArbitrary(operationsOf(document));
  const problems: string[] = [];
  const times: number[] = [];
  const statuses: Record<number, number> = {};
  for (let sent = 0; sent < options.total; sent += BATCH) {
    await sendBatch(
      app,
      credentials,
      fc.sample(arbitrary, { numRuns: Math.min(BATCH, options.total - sent), seed: (options.seed ?? 0) + sent }),
      { problems, times, statuses, onProgress: options.onProgress },
    );
  }
  times.sort((a, b) => a - b);
  return { problems, statuses, p50: percentile(times, 0.5), p99: percentile(times, 0.99), slowest: percentile(times, 1) };
}

/** Requests are made a batch at a time: structural ones are large, and 100,000 of them would not fit in memory at once. */
const BATCH = 100;

async function sendBatch(
  app: TestApp,
  credentials: Credentials,
  requests: FuzzRequest[],
  into: { problems: string[]; times: number[]; statuses: Record<number, number>; onProgress?: (done: number) => void },
) {
  const { problems, times, statuses } = into;
  for (const request of requests) {
    const started = performance.now();
    const response = await app.inject({ method: request.method as 'GET', url: request.url, ...injectOptions(request, credentials) });
    times.push(performance.now() - started);
    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    problems.push(...answerProblems(request, response));
    if (times.length % 1000 === 0) into.onProgress?.(times.length);
  }
}
