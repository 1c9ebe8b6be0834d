import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { problemServerOptions, registerProblemHandlers } from './problem.js';
import { registerValidation } from './validation.js';

const Query = {
  type: 'object',
  properties: { limit: { type: 'integer', default: 20 }, tag: { type: 'array', items: { type: 'string' } } },
  additionalProperties: false,
} as const;
const Body = { type: 'object', properties: { count: { type: 'number' } }, required: ['count'], additionalProperties: false } as const;

/** A bare app with Tessera's validators and problem answers, and one route that echoes what validation made of its input. */
async function echoApp() {
  const app = Fastify(problemServerOptions);
  registerProblemHandlers(app, {});
  registerValidation(app);
  app.post(
    '/echo/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } }, querystring: Query, body: Body } },
    async (request) => ({
      params: request.params,
      query: request.query,
      body: request.body,
    }),
  );
  await app.ready();
  return app;
}

describe('request validation, compiled at first use', () => {
  it('coerces the text of the query string and the path, takes a JSON body exactly, and names what it refuses', async () => {
    const app = await echoApp();
    const echoed = await app.inject({ method: 'POST', url: '/echo/7?tag=a', payload: { count: 2 } });
    expect(echoed.json()).toEqual({ params: { id: 7 }, query: { limit: 20, tag: ['a'] }, body: { count: 2 } });

    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await app.inject({ method: 'POST', url: '/echo/7', payload: { count: '2' } });
      expect(refused.statusCode).toBe(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json().errors).toEqual([expect.objectContaining({ path: '/count' })]);
    }
    const badQuery = await app.inject({ method: 'POST', url: '/echo/7?limit=many', payload: { count: 2 } });
    expect(badQuery.statusCode).toBe(400);
    expect(JSON.stringify(badQuery.json().errors)).toContain('limit');
    // A request that passes after one that failed carries no errors of the earlier one.
    expect((await app.inject({ method: 'POST', url: '/echo/8', payload: { count: 3 } })).statusCode).toBe(200);
    await app.close();
  });
});
