import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organizations, users } from '../src/db/schema/index.js';
import { problemServerOptions, registerProblemHandlers } from '../src/http/problem.js';
import type { Harness } from './helpers/app.js';
import { harnessWithAdmin, type loginAs } from './helpers/auth.js';
import { ensureConsoleBuilt } from './helpers/console-build.js';
import { routePaths } from './helpers/routes.js';

/** Whatever a request looks like, the answer is our problem+json with our codes: never Fastify's, never a 500. */
describe('problem answers for malformed requests', () => {
  let h: Harness;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    ensureConsoleBuilt();
    ({ h, admin } = await harnessWithAdmin());
  });
  afterAll(() => h.close());

  const expectProblem = (res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ status, code });
    expect(res.body).not.toMatch(/FST_|stack|at \/|SELECT |INSERT /);
    return body;
  };

  it('refuses U+0000 anywhere in the input by name, before anything is written', async () => {
    const register = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'nul@example.com', password: 'a long passphrase 1', lastName: 'a\u0000b' },
    });
    expect(expectProblem(register, 400, 'VALIDATION_FAILED').errors).toEqual([{ path: '/lastName', message: 'must not contain U+0000' }]);
    expect(await h.context.database.primary.select().from(users).where(eq(users.email, 'nul@example.com'))).toEqual([]);

    const organization = await h.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: admin.headers,
      payload: { name: 'Acme\u0000' },
    });
    expectProblem(organization, 400, 'VALIDATION_FAILED');
    expect(await h.context.database.primary.select().from(organizations)).toEqual([]);

    const nested = await h.app.inject({
      method: 'PUT',
      url: '/users/profile',
      headers: admin.headers,
      payload: { profile: { bio: 'x\u0000' } },
    });
    expect(expectProblem(nested, 400, 'VALIDATION_FAILED').errors).toEqual([{ path: '/profile/bio', message: 'must not contain U+0000' }]);
    expectProblem(await h.app.inject({ method: 'GET', url: '/users?search=a%00b', headers: admin.headers }), 400, 'VALIDATION_FAILED');
  });

  it('refuses a lone surrogate (a \\ud800 escape) by name instead of storing U+FFFD, in a value or a key', async () => {
    const send = (json: string) =>
      h.app.inject({
        method: 'PUT',
        url: '/users/profile',
        headers: { ...admin.headers, 'content-type': 'application/json' },
        payload: json,
      });
    const before = (await h.app.inject({ method: 'GET', url: '/users/profile', headers: admin.headers })).json().profile.bio;
    for (const [json, path] of [
      ['{"profile":{"bio":"\\ud800"}}', '/profile/bio'],
      ['{"profile":{"bio":"a\\udc00b"}}', '/profile/bio'],
      ['{"profile":{"bio":"x","\\udbff":"y"}}', '/profile/\\udbff'],
    ]) {
      const refused = await send(json as string);
      expect(expectProblem(refused, 400, 'VALIDATION_FAILED').errors, json).toEqual([
        { path, message: 'must be Unicode text (it holds a lone surrogate)' },
      ]);
    }
    expect((await h.app.inject({ method: 'GET', url: '/users/profile', headers: admin.headers })).json().profile.bio).toBe(before);
    // A surrogate pair is one character, and taken.
    const emoji = await send('{"profile":{"bio":"\\ud83d\\ude00"}}');
    expect([emoji.statusCode, emoji.json().profile.bio]).toEqual([200, '\u{1F600}']);
  });

  it('answers malformed and over-long URLs with problems, without echoing them', async () => {
    for (const url of ['/users/%ff', '/roles/%']) {
      const body = expectProblem(await h.app.inject({ method: 'GET', url, headers: admin.headers }), 400, 'MALFORMED_REQUEST');
      expect(body.instance).toBeUndefined();
    }
    const long = `/users/${'a'.repeat(200)}`;
    const body = expectProblem(await h.app.inject({ method: 'GET', url: long, headers: admin.headers }), 404, 'ROUTE_NOT_FOUND');
    expect(JSON.stringify(body)).not.toContain('a'.repeat(50));
  });

  it("answers what Node's HTTP parser refuses with a problem on the raw connection, then closes it", async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    /** Everything the server sends back on one connection for `request`, until it closes it. */
    const exchange = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        let received = '';
        socket.on('data', (chunk) => {
          received += chunk;
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(received));
      });
    const refusals = [
      ['GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      ['GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      ['POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      [`GET /health?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ] as const;
    for (const [request, status, code] of refusals) {
      const answer = await exchange(request);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
      expect(head).toMatch(/\r\nconnection: close(\r\n|$)/i);
      expect(JSON.parse(body)).toMatchObject({ status, code });
    }
  });

  it('answers a value longer than its column takes with 400 VALUE_OUT_OF_RANGE, never a 500', async () => {
    // A column narrower than the schema's bound (as a column altered by hand would be): PostgreSQL refuses the value.
    await h.context.database.primary.execute(sql`ALTER TABLE profiles ALTER COLUMN city TYPE varchar(3)`);
    try {
      const res = await h.app.inject({
        method: 'PUT',
        url: '/users/profile',
        headers: admin.headers,
        payload: { profile: { city: 'Berlin' } },
      });
      expectProblem(res, 400, 'VALUE_OUT_OF_RANGE');
    } finally {
      await h.context.database.primary.execute(sql`ALTER TABLE profiles ALTER COLUMN city TYPE varchar(100)`);
    }
  });

  it('answers a range a file does not have 416 with Content-Range, and a precondition it fails 412, on every file path', async () => {
    const asset = readdirSync('web/dist/assets').find((name) => name.endsWith('.js'));
    for (const url of [`/admin/assets/${asset}`, '/admin/', '/docs/static/index.css']) {
      const file = await h.app.inject({ method: 'GET', url });
      expect(file.statusCode, url).toBe(200);
      const length = Buffer.byteLength(file.rawPayload);
      const beyond = await h.app.inject({ method: 'GET', url, headers: { range: 'bytes=999999999-' } });
      expectProblem(beyond, 416, 'RANGE_NOT_SATISFIABLE');
      expect(beyond.headers['content-range'], url).toBe(`bytes */${length}`);
      expectProblem(await h.app.inject({ method: 'GET', url, headers: { 'if-match': '"nope"' } }), 412, 'PRECONDITION_FAILED');
      // A range it has is still served in part.
      const part = await h.app.inject({ method: 'GET', url, headers: { range: 'bytes=0-9' } });
      expect([part.statusCode, part.headers['content-range']], url).toEqual([206, `bytes 0-9/${length}`]);
    }
  });

  it('answers a taken organization slug with its declared 409', async () => {
    const create = () =>
      h.app.inject({ method: 'POST', url: '/organizations', headers: admin.headers, payload: { name: 'Twice', slug: 'twice' } });
    expect((await create()).statusCode).toBe(201);
    expectProblem(await create(), 409, 'SLUG_ALREADY_EXISTS');
  });

  it('sends a browser opening the root to the console', async () => {
    const root = await h.app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/admin/');
  });

  it("answers a file the console does not have 404, and the console's own routes with its page", async () => {
    for (const url of ['/admin/assets/nope.js', '/admin/%2e%2e/package.json', '/admin/users/../../package.json', '/admin/nope.css']) {
      const body = expectProblem(await h.app.inject({ method: 'GET', url }), 404, 'ROUTE_NOT_FOUND');
      expect(body.instance).toBeUndefined();
    }
    for (const url of ['/admin/', '/admin/users/123']) {
      const page = await h.app.inject({ method: 'GET', url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
    }
  });

  it("lets a browser keep the console's hashed assets for a year, and asks it to revalidate its page each time", async () => {
    const page = await h.app.inject({ method: 'GET', url: '/admin/users/123' });
    expect(page.headers['cache-control']).toBe('no-cache');
    const assets = [...page.body.matchAll(/(?:src|href)="(\/admin\/assets\/[^"]+)"/g)].map(([, url]) => url as string);
    expect(assets.length).toBeGreaterThan(0);
    for (const url of assets) {
      const asset = await h.app.inject({ method: 'GET', url });
      expect([url, asset.statusCode, asset.headers['cache-control']]).toEqual([url, 200, 'public, max-age=31536000, immutable']);
    }
    const index = await h.app.inject({ method: 'GET', url: '/admin/' });
    expect(index.headers['cache-control']).toBe('no-cache');
    // Unchanged, the page is answered 304 without a body.
    const again = await h.app.inject({ method: 'GET', url: '/admin/', headers: { 'if-none-match': index.headers.etag as string } });
    expect(again.statusCode).toBe(304);
  });

  it('answers a method a path is not served with 405 and an Allow of exactly its methods, a path nobody serves 404', async () => {
    const refusals = [
      ['DELETE', '/auth/login', 'POST'],
      ['HEAD', '/auth/login', 'POST'],
      ['PUT', '/users?page=2', 'GET, HEAD, POST'],
      ['POST', `/users/${admin.userId}`, 'DELETE, GET, HEAD, PATCH, PUT'],
      ['DELETE', '/health', 'GET, HEAD'],
      ['POST', '/admin/users', 'GET, HEAD'],
      ['PUT', '/oidc/interaction/abc', 'GET, HEAD'],
      // Without CORS origins nothing answers OPTIONS.
      ['OPTIONS', '/organizations', 'GET, HEAD, POST'],
    ] as const;
    for (const [method, url, allow] of refusals) {
      const res = await h.app.inject({ method, url, headers: admin.headers });
      expect([res.statusCode, res.headers.allow], `${method} ${url}`).toEqual([405, allow]);
      if (method !== 'HEAD') expect(expectProblem(res, 405, 'METHOD_NOT_ALLOWED')).toMatchObject({ title: 'Method Not Allowed' });
    }
    for (const [method, url] of [
      ['GET', '/nope'],
      ['DELETE', '/nope'],
      ['OPTIONS', '/nope'],
      ['GET', `/users/${admin.userId}/nope`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: admin.headers });
      expect(res.headers.allow, `${method} ${url}`).toBeUndefined();
      expectProblem(res, 404, 'ROUTE_NOT_FOUND');
    }
  });

  it("agrees with Fastify's own router on every path of every route: each method it does not serve there is 405", async () => {
    const methods = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;
    const mismatches: string[] = [];
    for (const path of routePaths(h.app.printRoutes({ commonPrefix: false }))) {
      const url = path.replace(/:[^/]+|\*/g, 'x');
      const served = methods.filter((method) => h.app.findRoute({ method, url }) !== null);
      for (const method of methods.filter((method) => !served.includes(method))) {
        const res = await h.app.inject({ method, url });
        const [status, allow] = [res.statusCode, res.headers.allow];
        // A path its own pattern does not match (a static wildcard over files that do not exist) is nobody's: 404.
        const expected = served.length > 0 ? [405, served.join(', ')] : [404, undefined];
        if (status !== expected[0] || allow !== expected[1]) mismatches.push(`${method} ${url}: ${status} ${allow} (served: ${served})`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('answers a wrong method on a hosted page with a page for a browser, with Allow, and problem+json for a script', async () => {
    const page = await h.app.inject({ method: 'PUT', url: '/sign-in?lang=de', headers: { accept: 'text/html' } });
    expect([page.statusCode, page.headers.allow, page.headers['content-language']]).toEqual([405, 'GET, HEAD, POST', 'de']);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('So nicht verfügbar');
    expect(page.body).toContain('href="/sign-in?lang=de"');
    const script = await h.app.inject({ method: 'PUT', url: '/sign-in', headers: { accept: 'application/json' } });
    expect(script.headers.allow).toBe('GET, HEAD, POST');
    expectProblem(script, 405, 'METHOD_NOT_ALLOWED');
  });

  it('reads JSON as UTF-8 only: other bytes are MALFORMED_JSON, another charset 415, and nothing is stored', async () => {
    const patch = (contentType: string, payload: Buffer) =>
      h.app.inject({ method: 'PATCH', url: `/users/${admin.userId}`, headers: { ...admin.headers, 'content-type': contentType }, payload });
    const latin1 = Buffer.concat([Buffer.from('{"firstName":"Jos'), Buffer.from([0xe9]), Buffer.from('"}')]);
    expectProblem(await patch('application/json', latin1), 400, 'MALFORMED_JSON');
    expectProblem(await patch('application/json; charset=iso-8859-1', latin1), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(
      await patch('application/json; charset=utf-16', Buffer.from('{"firstName":"Jos\u00e9"}', 'utf16le')),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const stored = await h.app.inject({ method: 'GET', url: `/users/${admin.userId}`, headers: admin.headers });
    expect(stored.json().firstName).not.toContain('\uFFFD');
    for (const contentType of ['application/json; charset=UTF-8', 'application/json; charset="utf8"']) {
      const accepted = await patch(contentType, Buffer.from('{"firstName":"José"}'));
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json().firstName).toBe('José');
    }
  });

  it('answers prototype poisoning and broken bodies with MALFORMED_JSON', async () => {
    const poisoned = await h.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '{"name":"x","__proto__":{"admin":true}}',
    });
    expectProblem(poisoned, 400, 'MALFORMED_JSON');
    const truncated = await h.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: { ...admin.headers, 'content-type': 'application/json' },
      payload: '{"name":"x"',
    });
    expectProblem(truncated, 400, 'MALFORMED_JSON');
  });
});

describe('a request arriving while the server drains', () => {
  it('is answered 503 SHUTTING_DOWN problem+json, and the one in flight finishes', async () => {
    const app = Fastify(problemServerOptions);
    registerProblemHandlers(app);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Each step waits for the server to have the request, not for a time: a loaded machine is slow to read.
    const arrivals = new Map<string, Promise<void>>();
    const arrived = new Map<string, () => void>();
    for (const url of ['/slow', '/fast']) arrivals.set(url, new Promise((resolve) => arrived.set(url, resolve)));
    app.get('/slow', async () => {
      await released;
      return { done: true };
    });
    app.get('/fast', async () => ({ fast: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    app.server.on('request', (request: { url?: string }) => arrived.get(request.url ?? '')?.());
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    const socketClosed = new Promise((resolve) => socket.on('close', resolve));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    // One request in flight on a kept-alive connection; a second one on it once the drain has begun.
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrivals.get('/slow');
    const closing = app.close();
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrivals.get('/fast');
    release();
    await closing;
    await socketClosed;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received).toContain('{"done":true}');
    expect(received).toMatch(/HTTP\/1\.1 503[\s\S]*content-type: application\/problem\+json[\s\S]*"code":"SHUTTING_DOWN"/);
  });
});
