import fc from 'fast-check';
import type { FuzzRequest, Operation, Schema } from './fuzz.js';

/**
 * Structural extremes, whatever an operation's schemas say: nesting, width, length, numeric edge cases,
 * broken encodings, poisoned keys, query strings, import lines and multipart parts. Written as raw text
 * where JSON.stringify cannot say it (1e309, a lone surrogate, a duplicated key). Used by
 * test/structural-input.test.ts one class at a time, and mixed into the fuzzer's requests.
 */

const TOKEN = 'STRUCTURAL-TOKEN';
const LONG_BODY_CHARS = 90_000;

export const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** `{"k0":0,"k1":0,…}` filling about `chars` characters. */
export function wideObject(chars: number) {
  const members: string[] = [];
  for (let length = 2; length < chars; length += (members.at(-1)?.length ?? 0) + 1) members.push(`"k${members.length.toString(36)}":0`);
  return `{${members.join(',')}}`;
}

export const wideArray = (chars: number) =>
  `[${Array(Math.floor(chars / 2))
    .fill('0')
    .join(',')}]`;

/** Every text field an operation takes (body, nested objects and arrays, query), with its schema. */
export function* stringFields(operation: Operation): Generator<{ path: string; schema: Schema }> {
  const pending: { path: string; schema: Schema | undefined }[] = Object.entries(operation.query).map(([name, schema]) => ({
    path: `?${name}`,
    schema,
  }));
  if (operation.body) pending.push({ path: '', schema: operation.body });
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { path, schema } = next;
    if (!schema) continue;
    for (const variant of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) pending.push({ path, schema: variant });
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.includes('string')) yield { path: path || '/', schema };
    if (schema.items) pending.push({ path: `${path}/*`, schema: schema.items });
    for (const [key, property] of Object.entries(schema.properties ?? {})) pending.push({ path: `${path}/${key}`, schema: property });
  }
}

const boundedFormats = new Set(['uuid', 'date', 'date-time', 'time']);
/** Anchored, and every quantifier has an upper bound: a pattern that cannot match an endless string. */
const boundedPattern = (pattern: string) => /^\^.*\$$/.test(pattern) && !/[*+]|\{\d+,\}/.test(pattern.replace(/\\./g, ''));

/** A text field whose accepted length has an upper bound the validator checks before anything else reads it. */
export const isBoundedString = (schema: Schema) =>
  schema.maxLength !== undefined ||
  schema.enum !== undefined ||
  schema.const !== undefined ||
  boundedFormats.has(schema.format ?? '') ||
  (schema.pattern !== undefined && boundedPattern(schema.pattern));

/** The operation's body with every leaf (any type) holding the raw JSON `token`; `long` is a long string. */
export function everyField(operation: Operation, token: string) {
  const fill = (schema: Schema | undefined, depth: number): unknown => {
    if (!schema || depth > 6) return TOKEN;
    const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0];
    if (variant) return fill(variant, depth + 1);
    if (schema.properties)
      return Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, fill(property, depth + 1)]));
    if (schema.items) return [fill(schema.items, depth + 1)];
    return TOKEN;
  };
  const text = JSON.stringify(fill(operation.body, 0));
  const leaves = text.split(`"${TOKEN}"`).length - 1;
  const raw = token === 'long' ? `"${'x'.repeat(Math.floor(LONG_BODY_CHARS / Math.max(leaves, 1)))}"` : token;
  return text.replaceAll(`"${TOKEN}"`, raw);
}

export const numericTokens = [
  '1e309',
  '-1e309',
  '-0',
  '1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '-9223372036854775809',
];
export const encodingTokens = ['"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"'];

/** Every leaf a string holding overlong UTF-8 (`/` as C0 AF) and a truncated sequence, as raw bytes. */
export function overlongUtf8(operation: Operation) {
  const [before, ...rest] = everyField(operation, `"${TOKEN}"`).split(TOKEN);
  return Buffer.concat([
    Buffer.from(before ?? ''),
    ...rest.flatMap((part) => [Buffer.from([0xc0, 0xaf, 0x2e, 0xe2, 0x82]), Buffer.from(part)]),
  ]);
}

export const repeatedQuery = (name: string, count: number) => Array(count).fill(`${name}=1`).join('&');
export const bracketQuery = (depth: number) =>
  `a${'[b]'.repeat(depth)}=1&${Array.from({ length: depth }, (_, i) => `x[${i}]=1`).join('&')}`;

/** A multipart body of `count` small fields, then a file. */
export function manyParts(count: number) {
  const boundary = '----tesseraStructural';
  const field = (i: number) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`;
  const file = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nx\r\n`;
  const payload = `${Array.from({ length: count }, (_, i) => field(i)).join('')}${file}--${boundary}--\r\n`;
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const importBodies = fc.oneof(
  fc
    .integer({ min: 64 * 1024, max: 3 * 1024 * 1024 })
    .map((length) => ({ body: `{"email":"${'x'.repeat(length)}"}\n`, type: 'application/x-ndjson' })),
  fc
    .integer({ min: 33, max: 50_000 })
    .map((depth) => ({ body: `{"email":"a@example.com","profile":${nestedObjects(depth)}}\n`, type: 'application/x-ndjson' })),
  fc.integer({ min: 64 * 1024, max: 3 * 1024 * 1024 }).map((length) => ({ body: `email\n"${'y'.repeat(length)}"\n`, type: 'text/csv' })),
);

/** A raw body for the operation: JSON extremes, or for imports and uploads, their own formats' extremes. */
function rawBody(operation: Operation): fc.Arbitrary<{ body: string | Buffer; contentType: string }> {
  if (operation.consumes.includes('multipart/form-data')) {
    return fc.integer({ min: 2, max: 5000 }).map((count) => {
      const { payload, headers } = manyParts(count);
      return { body: payload, contentType: headers['content-type'] };
    });
  }
  if (operation.consumes.includes('text/csv')) return importBodies.map(({ body, type }) => ({ body, contentType: type }));
  const json = (body: fc.Arbitrary<string | Buffer>) => body.map((text) => ({ body: text, contentType: 'application/json' }));
  return json(
    fc.oneof(
      fc.integer({ min: 33, max: 20_000 }).map(nestedArrays),
      fc.integer({ min: 33, max: 20_000 }).map(nestedObjects),
      fc.integer({ min: 1000, max: 95_000 }).map(wideObject),
      fc.integer({ min: 1000, max: 95_000 }).map(wideArray),
      fc.constantFrom('long', ...numericTokens, ...encodingTokens).map((token) => everyField(operation, token)),
      fc.constant(overlongUtf8(operation)),
      fc.constantFrom(
        '{"__proto__":{"isAdmin":true}}',
        '{"a":{"constructor":{"prototype":{"isAdmin":true}}}}',
        '{"email":"a@example.com","email":"b@example.com"}',
      ),
    ),
  );
}

const queryExtremes = (operation: Operation) =>
  fc.oneof(
    fc.integer({ min: 300, max: 5000 }).map((count) => repeatedQuery(Object.keys(operation.query)[0] ?? 'limit', count)),
    fc.integer({ min: 50, max: 2000 }).map(bracketQuery),
    fc
      .tuple(
        fc.constantFrom('limit', 'page', 'offset', ...Object.keys(operation.query)),
        fc.constantFrom(...numericTokens, '%ed%a0%80', '%c0%af'),
      )
      .map(([name, value]) => `${name}=${value}`),
  );

/** A structurally extreme request against one of the operations: its body or its query string. */
export function structuralRequest(operations: Operation[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...operations).chain((operation) => {
    const url = operation.path.replace(/\{[^}]+\}/g, '01a20000-0000-7000-8000-000000000000');
    const as = fc.constantFrom('anonymous', 'user', 'admin') as fc.Arbitrary<FuzzRequest['as']>;
    const viaQuery = queryExtremes(operation).map((query) => ({ url: `${url}?${query}`, raw: undefined }));
    const viaBody = rawBody(operation).map((raw) => ({ url, raw }));
    const where = operation.method === 'GET' ? viaQuery : fc.oneof(viaBody, viaQuery);
    return fc.tuple(where, as).map(([{ url: target, raw }, who]) => ({ method: operation.method, url: target, raw, as: who }));
  });
}
