import type { FastifyRequest } from 'fastify';
import { rateLimited } from '../../http/errors.js';
import type { SharedState } from '../../platform/shared-state.js';

const WINDOW_MS = 60_000;

/**
 * A fixed one-minute window per key, counted in the shared state (per process while Redis is away:
 * the limit then holds on each node rather than failing every request).
 */
export function perMinute(state: SharedState, limit: number, keyOf: (request: FastifyRequest) => string) {
  return async (request: FastifyRequest) => {
    const { count, ttlMs } = await state.increment(keyOf(request), WINDOW_MS);
    if (count > limit) throw rateLimited(Math.ceil(ttlMs / 1000));
  };
}
