import Fastify, { type FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerSerialization } from './serialization.js';

/** A fresh copy each call: equal schemas that are not the same object, as each route's declaration makes them. */
const person = () => ({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }) as const;
const count = { type: 'object', properties: { total: { type: 'integer' } } } as const;

/** A bare app whose routes hand back the serializer Fastify chose for their 200. */
async function appWithRoutes() {
  const app = Fastify();
  registerSerialization(app);
  const serializerOf = (reply: FastifyReply) => reply.getSerializationFunction('200');
  const chosen = new Map<string, unknown>();
  for (const [url, schema] of [
    ['/a', person()],
    ['/b', person()],
    ['/count', count],
  ] as const) {
    app.get(url, { schema: { response: { 200: schema } } }, async (_request, reply) => {
      chosen.set(url, serializerOf(reply));
      return { name: 'Ada', total: 3, passwordHash: 'never sent' };
    });
  }
  await app.ready();
  return { app, chosen };
}

describe('response serializers, compiled once per distinct schema', () => {
  it('gives equal schemas one serializer, across routes and across apps, and keeps the schema the leak guard', async () => {
    const first = await appWithRoutes();
    const second = await appWithRoutes();
    const a = await first.app.inject({ method: 'GET', url: '/a' });
    await first.app.inject({ method: 'GET', url: '/b' });
    await first.app.inject({ method: 'GET', url: '/count' });
    await second.app.inject({ method: 'GET', url: '/a' });

    expect(a.json()).toEqual({ name: 'Ada' });
    expect(first.chosen.get('/a')).toBe(first.chosen.get('/b'));
    expect(second.chosen.get('/a')).toBe(first.chosen.get('/a'));
    expect(first.chosen.get('/count')).not.toBe(first.chosen.get('/a'));
    expect((await first.app.inject({ method: 'GET', url: '/count' })).json()).toEqual({ total: 3 });
  });
});
