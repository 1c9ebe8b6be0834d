import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { httpErrors } from './errors.js';
import { operations } from './operation.js';
import { registerProblemHandlers } from './problem.js';
import { publicRoute } from './route-policy.js';
import { NoContent, problems } from './schemas.js';

const operation = operations(['test']);
const Thing = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

/** A bare Fastify app with the operations' routes: what status each answers, and with what body. */
async function appWithRoutes() {
  const app = Fastify();
  registerProblemHandlers(app);
  const doc = (response: Record<number, unknown>) => ({ summary: 's', description: 'd', response });
  app.post('/made', operation(publicRoute, doc({ 201: Thing })), async () => ({ id: 'new' }));
  app.delete('/gone', operation(publicRoute, doc({ 204: NoContent })), async () => undefined);
  app.post('/queued', operation(publicRoute, doc({ 202: Thing })), async () => ({ id: 'job' }));
  app.get('/read', operation(publicRoute, doc({ 200: Thing })), async () => ({ id: 'one' }));
  app.post('/either', operation(publicRoute, doc({ 200: Thing, 204: NoContent })), async () => ({ id: 'said' }));
  app.post('/refused', operation(publicRoute, doc({ 201: Thing, ...problems(httpErrors.NAME_ALREADY_EXISTS) })), async () => {
    throw httpErrors.NAME_ALREADY_EXISTS();
  });
  await app.ready();
  return app;
}

describe('operations: the one declared success answers by itself', () => {
  it('answers 201, 202 and an empty 204 from the declaration, 200 where that is what is declared', async () => {
    const app = await appWithRoutes();
    const made = await app.inject({ method: 'POST', url: '/made' });
    expect([made.statusCode, made.json()]).toEqual([201, { id: 'new' }]);
    expect((await app.inject({ method: 'POST', url: '/queued' })).statusCode).toBe(202);
    const gone = await app.inject({ method: 'DELETE', url: '/gone' });
    expect([gone.statusCode, gone.body]).toEqual([204, '']);
    expect((await app.inject({ method: 'GET', url: '/read' })).statusCode).toBe(200);
  });

  it('leaves the status to the handler where two successes are declared, and to the error where it fails', async () => {
    const app = await appWithRoutes();
    expect((await app.inject({ method: 'POST', url: '/either' })).statusCode).toBe(200);
    const refused = await app.inject({ method: 'POST', url: '/refused' });
    expect([refused.statusCode, refused.json().code]).toEqual([409, 'NAME_ALREADY_EXISTS']);
  });
});
