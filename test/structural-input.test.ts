import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/platform/json-limits.js';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { testDataRoot } from './helpers/databases.js';
import { type Operation, operationsOf } from './helpers/fuzz.js';
import { avatarForm } from './helpers/learning.js';
import * as structural from './helpers/structural.js';

type Answer = Awaited<ReturnType<Harness['app']['inject']>>;

/**
 * What one answer may cost this process in CPU time (the app, and PGlite when embedded): generous, since what
 * matters is that no answer grows with the attack. CPU time and not wall time, because CI's load stretches the
 * wall clock of every request several times over while an attack's cost stays what it is.
 */
const BOUNDED_MS = 3000;

/** A 4xx answer in our problem+json, with `code` when given, at a bounded cost. */
function expectRefused(res: Answer, cpuMs: number, code?: string, limitMs = BOUNDED_MS) {
  expect(res.statusCode, res.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
  expect(res.headers['content-type']).toContain('application/problem+json');
  if (code) expect(res.json().code).toBe(code);
  expect(cpuMs).toBeLessThan(limitMs);
}

/** Never a 5xx, and a 4xx is problem+json: for extremes that a route may also accept. */
function expectHandled(res: Answer, cpuMs: number) {
  expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
  if (res.statusCode >= 400) expect(res.headers['content-type']).toContain('application/problem+json');
  expect(cpuMs).toBeLessThan(BOUNDED_MS);
}

const concrete = (operation: Operation) => operation.path.replace(/\{[^}]+\}/g, '01a20000-0000-7000-8000-000000000000');

// Structural extremes a hostile client sends whatever the schemas say: each answers 4xx problem+json in bounded time.
describe('structurally extreme input', () => {
  let h: Harness;
  let admin: Record<string, string>;
  let operations: Operation[];

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000000', MAX_EMAILS_PER_HOUR: '100000' } });
    admin = (await loginAs(h, { roles: ['admin'] })).headers;
    operations = operationsOf((await h.app.inject({ method: 'GET', url: '/openapi.json' })).json());
  });
  afterAll(() => h.close());

  const send = async (method: string, url: string, body?: string | Buffer, headers: Record<string, string> = {}) => {
    const started = process.cpuUsage();
    const res = await h.app.inject({
      method: method as 'POST',
      url,
      ...(body === undefined ? { headers } : { payload: body, headers: { 'content-type': 'application/json', ...headers } }),
    });
    const spent = process.cpuUsage(started);
    return { res, ms: (spent.user + spent.system) / 1000 };
  };

  it('refuses a body nested beyond 32 levels with BODY_TOO_DEEP on every route that reads a body, signed in or not', async () => {
    const bodyRoutes = operations.filter((operation) => operation.method !== 'GET');
    expect(bodyRoutes.length).toBeGreaterThan(50);
    for (const operation of operations) {
      for (const headers of [{}, admin]) {
        for (const body of [structural.nestedArrays(3000), structural.nestedObjects(3000), structural.nestedArrays(MAX_JSON_DEPTH + 1)]) {
          const { res, ms } = await send(operation.method, concrete(operation), body, headers);
          // GET bodies are never read; the point is that they cannot hurt either.
          if (operation.method === 'GET') expectHandled(res, ms);
          else expectRefused(res, ms, 'BODY_TOO_DEEP');
        }
      }
    }
  }, 300_000);

  it('counts only real nesting: the limit itself, and brackets inside strings, are read as usual', async () => {
    const { res: deepest } = await send('POST', '/auth/login', `{"email":${structural.nestedArrays(MAX_JSON_DEPTH - 1)},"password":"x"}`);
    expect(deepest.json().code).toBe('VALIDATION_FAILED');
    const { res: quoted } = await send('POST', '/auth/login', JSON.stringify({ email: '[{'.repeat(5000), password: '"\\[' }));
    expect(quoted.json().code).toBe('VALIDATION_FAILED');
  });

  it('answers a very wide object or array briefly: the errors listed are capped', async () => {
    const manyNuls = JSON.stringify({ bio: Array(10_000).fill('\u0000') });
    for (const body of [structural.wideObject(95_000), structural.wideArray(95_000), manyNuls]) {
      for (const [method, url, headers] of [
        ['POST', '/auth/login', {}],
        ['PUT', '/users/profile', admin],
        ['POST', '/roles', admin],
      ] as const) {
        const { res, ms } = await send(method, url, body, headers);
        expectRefused(res, ms);
        expect(res.body.length).toBeLessThan(8000);
        expect(res.json().errors.length).toBeLessThanOrEqual(20);
      }
    }
  });

  it('bounds the length of every text field a client can send (maxLength, a pattern, a format or a list)', () => {
    const fields = operations.flatMap((operation) =>
      [...structural.stringFields(operation)].map(({ path, schema }) => ({
        where: `${operation.method} ${operation.path} ${path}`,
        schema,
      })),
    );
    expect(fields.length).toBeGreaterThan(100);
    const unbounded = fields.filter(({ schema }) => !structural.isBoundedString(schema)).map(({ where }) => where);
    expect(unbounded).toEqual([]);
  });

  it('answers a very long string in every field with a 4xx, never a 5xx', async () => {
    for (const operation of operations.filter((candidate) => candidate.body)) {
      const { res, ms } = await send(operation.method, concrete(operation), structural.everyField(operation, 'long'), admin);
      expectHandled(res, ms);
    }
  }, 120_000);

  it('answers numeric edge cases (1e309, -0, huge integers) in bodies and queries without a 5xx', async () => {
    for (const token of structural.numericTokens) {
      for (const operation of operations) {
        if (operation.body) {
          const { res, ms } = await send(operation.method, concrete(operation), structural.everyField(operation, token), admin);
          expectHandled(res, ms);
        }
        for (const name of Object.keys(operation.query)) {
          const { res, ms } = await send(operation.method, `${concrete(operation)}?${name}=${encodeURIComponent(token)}`, undefined, admin);
          expectHandled(res, ms);
        }
      }
    }
  }, 240_000);

  it('answers lone surrogates and overlong UTF-8 in every field without a 5xx', async () => {
    for (const operation of operations.filter((candidate) => candidate.body)) {
      for (const body of [structural.everyField(operation, '"\\ud800"'), structural.everyField(operation, '"a\\udfffb"')]) {
        const { res, ms } = await send(operation.method, concrete(operation), body, admin);
        expectHandled(res, ms);
      }
      const { res, ms } = await send(operation.method, concrete(operation), structural.overlongUtf8(operation), admin);
      expectHandled(res, ms);
    }
  }, 120_000);

  it('takes the last of duplicated keys, and refuses __proto__ and constructor.prototype at any depth', async () => {
    const { res: duplicated } = await send('POST', '/auth/login', '{"email":"a@example.com","email":"not an email","password":"x"}');
    expect(duplicated.json().code).toBe('VALIDATION_FAILED');
    for (const body of [
      '{"profile":{"__proto__":{"isAdmin":true}}}',
      '{"profile":{"bio":"x","constructor":{"prototype":{"isAdmin":true}}}}',
      '{"a":[{"b":{"__proto__":null}}]}',
    ]) {
      const { res, ms } = await send('PUT', '/users/profile', body, admin);
      expectRefused(res, ms, 'MALFORMED_JSON');
    }
  });

  it('refuses a query string with too many parameters, repeated or bracketed, on every route', async () => {
    for (const operation of operations) {
      for (const query of [structural.repeatedQuery('limit', 5000), structural.bracketQuery(2000)]) {
        const { res, ms } = await send(operation.method, `${concrete(operation)}?${query}`, undefined, admin);
        expectRefused(res, ms);
      }
    }
  }, 120_000);

  it('refuses an import with one enormous line, or one nested too deeply, line by line', async () => {
    const enormous = `{"email":"${'x'.repeat(24 * 1024 * 1024)}"}\n`;
    const deep = `{"email":"deep@example.com","profile":${structural.nestedObjects(100_000)}}\n`;
    for (const [body, contentType, where] of [
      [enormous, 'application/x-ndjson', 'line 1: (line)'],
      [deep, 'application/x-ndjson', 'line 1: (line)'],
      [`email,firstName\n"${'y'.repeat(24 * 1024 * 1024)}",x\n`, 'text/csv', 'line 2: (line)'],
    ] as const) {
      const { res, ms } = await send('POST', '/users/import', body, { ...admin, 'content-type': contentType });
      // Spooling 24 MB to disk is the client's time; reading it must stay linear.
      expectRefused(res, ms, 'IMPORT_REJECTED', 20_000);
      expect(res.json().errors).toEqual([{ path: where, message: expect.stringMatching(/^is (longer than|nested too deeply)/) }]);
    }
  }, 60_000);

  it('refuses a multipart avatar upload of thousands of parts', async () => {
    const { payload, headers } = structural.manyParts(5000);
    const { res, ms } = await send('POST', '/users/upload-avatar', payload, { ...admin, ...headers });
    expectRefused(res, ms, 'BODY_TOO_LARGE');
    // A form of one part is still read to its image check.
    const ordinary = avatarForm(Buffer.from('not an image'));
    const { res: one } = await send('POST', '/users/upload-avatar', ordinary.payload, { ...admin, ...ordinary.headers });
    expect(one.json().code).toBe('UNSUPPORTED_IMAGE');
  });
});

// The store behind avatars away or failing: like any other store that is away, 503 problem+json, not 500.
describe('avatars while the S3 store fails', () => {
  let server: S3rver;
  let directory: string;
  let unreachable: Harness;
  let refusing: Harness;
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
    directory = mkdtempSync(join(testDataRoot, 's3-'));
    // A real S3-compatible server without the bucket: every write is answered with an S3 error.
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
    const live = `http://127.0.0.1:${(await server.run()).port}`;
    const store = (endpoint: string) => ({ AVATAR_STORAGE_BUCKET: 'avatars', S3_ENDPOINT: endpoint, S3_REGION: 'eu-west-3' });
    // Port 9 (discard) on the loopback: nothing listens there, so every call fails to connect.
    unreachable = await createHarness({ config: store('http://127.0.0.1:9') });
    refusing = await createHarness({ config: store(live) });
  });
  afterAll(async () => {
    await unreachable.close();
    await refusing.close();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const upload = async (h: Harness) => {
    const me = await loginAs(h);
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 9, g: 9, b: 9 } } })
      .png()
      .toBuffer();
    const form = avatarForm(image);
    return h.app.inject({
      method: 'POST',
      url: '/users/upload-avatar',
      payload: form.payload,
      headers: { ...me.headers, ...form.headers },
    });
  };

  it('answers 503 STORAGE_UNAVAILABLE when it cannot be reached, serving or storing an avatar', async () => {
    for (const res of [await unreachable.app.inject({ method: 'GET', url: '/avatars/abc123-256.webp' }), await upload(unreachable)]) {
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('STORAGE_UNAVAILABLE');
    }
  });

  it('answers 503 STORAGE_UNAVAILABLE when it answers with an error', async () => {
    const res = await upload(refusing);
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().code).toBe('STORAGE_UNAVAILABLE');
  });
});
