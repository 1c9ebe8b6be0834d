import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance } from 'fastify';

type Serializer = (data: unknown) => string;

/** Fastify's own response serializer compiler (fast-json-stringify), with its default options. */
const compileSerializer = SerializerSelector()({}, {});
/** By the schema's JSON text: what fast-json-stringify compiles from, so one text always makes the same serializer. */
const serializers = new Map<string, Serializer>();

/**
 * Response serializers, compiled once per distinct schema per process. Fastify compiles one per route and
 * status (about 1,800, of which about 220 differ: most are the same problem schema), and that was most of
 * building an app. Every app built after the first in a process (a peer node, each test file of a test
 * worker) compiles none. What a route sends is unchanged: the same compiler, with the same options, gets
 * the same schema.
 */
export function registerSerialization(app: FastifyInstance) {
  app.setSerializerCompiler((route) => {
    const text = JSON.stringify(route.schema);
    let serializer = serializers.get(text);
    if (!serializer) {
      serializer = compileSerializer({ ...route, httpStatus: route.httpStatus ?? 'default' });
      serializers.set(text, serializer);
    }
    return serializer;
  });
}
