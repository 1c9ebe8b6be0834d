import type { FastifyRequest } from 'fastify';
import type { SharedState } from '../platform/shared-state.js';
import { rateLimited } from './errors.js';

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

/**
 * AUTH_RATE_LIMIT_PER_MINUTE: one budget per IP shared by every route that accepts a credential or a
 * link (the auth module's and the social sign-in routes), so spreading guesses over them gains nothing.
 */
export const perIpCredentialLimit = (state: SharedState, limit: number) => perMinute(state, limit, (request) => `auth-ip:${request.ip}`);
