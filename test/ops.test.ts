import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';

/**
 * The probe's answer once it is 200. The probes give the database 750 ms, and a database just opened on a loaded
 * machine may miss that once: that says nothing about what these cases check, so they ask again until the
 * case's time runs out.
 */
async function answeredOk(h: Harness, url: string) {
  for (;;) {
    const res = await h.app.inject({ method: 'GET', url });
    if (res.statusCode === 200) return res;
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe('operations endpoints', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('reports health with a database round trip', async () => {
    const body = (await answeredOk(h, '/health')).json();
    expect(body.status).toBe('ok');
    expect(body.database.status).toBe('ok');
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof body.uptimeSeconds).toBe('number');
    if (process.env.REDIS_URL) expect(body.redis.status).toBe('ok');
    // The same report where a deployment serving its functions under /api looks for it.
    const underApi = (await answeredOk(h, '/api/health')).json();
    expect(underApi).toMatchObject({ status: 'ok', database: { status: 'ok' }, version: body.version });
  });

  it('answers liveness and readiness probes', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await answeredOk(h, '/health/ready')).json()).toEqual({ status: 'ready' });
  });

  it('echoes a plain request id and makes one otherwise', async () => {
    const given = await h.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers['x-request-id']).toBe('trace-123');
    const hostile = await h.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('serves Prometheus metrics with request histograms and the user figures (total, active, new in 24 h, by role)', async () => {
    await h.app.inject({ method: 'GET', url: '/health/live' });
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of [
      'tessera_http_request_duration_seconds_bucket',
      'tessera_users_total',
      'tessera_users_active',
      'tessera_users_signups_24h',
    ]) {
      expect(res.body).toContain(name);
    }
    expect(res.body).toMatch(/tessera_users_by_role\{role="admin"\} 0/);
    // The process's own figures too, each family named once and the families a blank line apart.
    expect(res.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    const families = res.body.match(/^# TYPE \S+/gm) ?? [];
    expect(new Set(families).size).toBe(families.length);
    expect(res.body).not.toMatch(/\n\n\n/);
  });

  it('leaves nothing of a closed app reachable, its database included', async () => {
    // A process builds apps one after another (the CLI, these tests): what the process keeps, such as the
    // collectors of its own figures, must not hold a closed app's database and its memory.
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const closedDatabase = await (async () => {
      const other = await createHarness();
      await other.app.inject({ method: 'GET', url: '/metrics' });
      const database = new WeakRef(other.context.database);
      await other.close();
      return database;
    })();
    for (let attempt = 0; attempt < 20 && closedDatabase.deref(); attempt++) {
      await new Promise((done) => setTimeout(done, 50));
      collectGarbage();
    }
    // Not the object itself: printing a database with its engine's memory would outgrow the heap.
    expect(closedDatabase.deref() === undefined, "the closed app's database is still reachable").toBe(true);
  });

  it('publishes an OpenAPI 3.1 document that passes a validator', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const document = res.json();
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
    expect(Object.keys(document.paths)).toContain('/health');
  });

  it('documents every operation: an id, a summary, a description, and the credentials its policy asks for', async () => {
    const document = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    type Operation = { where: string; operationId?: string; security?: unknown };
    const operations: Operation[] = Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, ...operation })),
    );
    for (const operation of operations) {
      expect(operation, operation.where).toEqual(
        expect.objectContaining({ operationId: expect.any(String), summary: expect.any(String), description: expect.any(String) }),
      );
    }
    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(operations.length);
    const securityOf = (where: string) => operations.find((operation) => operation.where === where)?.security;
    const credentials = [{ bearerAuth: [] }, { apiKey: [] }];
    expect(securityOf('POST /auth/login')).toEqual([]);
    expect(securityOf('GET /auth/me')).toEqual(credentials);
    expect(securityOf('GET /users')).toEqual(credentials);
    expect(securityOf('POST /invitations/accept')).toEqual([{}, ...credentials]);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKey', 'bearerAuth']);
  });

  it('renders the API docs', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });

  it('answers unknown routes with problem+json', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND', title: 'Not Found' });
  });
});

describe('CORS and body limits from config', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: { CORS_ORIGINS: 'https://console.example.com' } });
  });
  afterAll(() => h.close());

  it('allows the configured origin and no other', async () => {
    const allowed = await h.app.inject({
      method: 'OPTIONS',
      url: '/health',
      headers: { origin: 'https://console.example.com', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example.com');
    const other = await h.app.inject({
      method: 'OPTIONS',
      url: '/health',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("lists OPTIONS in a wrong method's Allow: the preflight answers it on every path", async () => {
    const refused = await h.app.inject({ method: 'PUT', url: '/health' });
    expect([refused.statusCode, refused.headers.allow]).toEqual([405, 'GET, HEAD, OPTIONS']);
  });

  it('answers an OPTIONS request that is not a preflight as one, never with a text/plain refusal', async () => {
    for (const headers of [{}, { origin: 'https://console.example.com' }, { 'access-control-request-method': 'GET' }]) {
      const answer = await h.app.inject({ method: 'OPTIONS', url: '/health', headers });
      expect(answer.statusCode).toBe(204);
      expect(answer.headers['access-control-allow-methods']).toContain('GET');
    }
  });
});

describe('/metrics behind METRICS_TOKEN', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: { METRICS_TOKEN: 'scraper-secret-0123456789' } });
  });
  afterAll(() => h.close());

  it('answers only a scraper presenting the token', async () => {
    const scrape = (headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url: '/metrics', headers });
    const wrong: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: 'Bearer scraper-secret-012345678' }];
    for (const headers of wrong) {
      const refused = await scrape(headers);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().code).toBe('UNAUTHORIZED');
      expect(refused.body).not.toContain('tessera_users_total');
    }
    // The scheme is case-insensitive (RFC 9110 §11.1).
    for (const scheme of ['Bearer', 'bearer']) {
      const allowed = await scrape({ authorization: `${scheme} scraper-secret-0123456789` });
      expect(allowed.statusCode).toBe(200);
      expect(allowed.body).toContain('tessera_users_total');
    }
  });
});

describe('draining before shutdown (SHUTDOWN_DRAIN)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('answers not ready from then on, while health and every other request are still served', async () => {
    await answeredOk(h, '/health/ready');
    h.app.modules.drain();
    const ready = await h.app.inject({ method: 'GET', url: '/health/ready' });
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'not ready' }]);
    await answeredOk(h, '/health');
    expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});
