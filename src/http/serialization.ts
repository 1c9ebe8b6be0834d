import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyInstance } from 'fastify';

type Serializer = (data: unknown) => string;

/** Fastify's own response serializer compiler (fast-json-stringify), with its default options. */
const compileSerializer = SerializerSelector()({}, {});
/** By the schema's JSON text: what fast-json-stringify compiles from, so one text always makes the same serializer. */
const serializers = new Map<string, Serializer>();

/** Compiled when it first serializes: most of a node's routes and statuses answer nothing in its first seconds. */
function compiledOnFirstUse(compile: () => Serializer): Serializer {
  let compiled: Serializer | undefined;
  return (data) => {
    compiled ??= compile();
    return compiled(data);
  };
}

/**
 * Response serializers, one per distinct schema per process, each compiled when it is first used. Fastify
 * asks for one per route and status as the app starts (about 1,800, of which about 220 differ: most are the
 * same problem schema); compiling them all then was a fifth of a node's start. Every app built after the
 * first in a process (a peer node, each test file of a test worker) shares them. What a route sends is
 * unchanged: the same compiler, with the same options, gets the same schema.
 */
export function registerSerialization(app: FastifyInstance) {
  app.setSerializerCompiler((route) => {
    const text = JSON.stringify(route.schema);
    let serializer = serializers.get(text);
    if (!serializer) {
      serializer = compiledOnFirstUse(() => compileSerializer({ ...route, httpStatus: route.httpStatus ?? 'default' }));
      serializers.set(text, serializer);
    }
    return serializer;
  });
}
