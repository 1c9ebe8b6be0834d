import type { FastifyReply } from 'fastify';

const serialized = new WeakMap<object, Buffer>();

/**
 * Sends an answer that a service hands out as the same object to many requests (a view kept in the node's
 * memory until a change drops it): serialized once, by the route's own serializer for its status, and those
 * bytes sent again while the object lives. The answer on the wire is the one `reply.send(body)` would give.
 */
export function sendSerializedOnce(reply: FastifyReply, body: object) {
  let bytes = serialized.get(body);
  if (!bytes) {
    const text = reply.serialize(body);
    bytes = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text as ArrayBuffer);
    serialized.set(body, bytes);
  }
  return reply.type('application/json; charset=utf-8').send(bytes);
}
