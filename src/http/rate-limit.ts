import type { FastifyRequest } from 'fastify';
import { clientNetworkOf } from '../platform/client-network.js';
import type { SharedState } from '../platform/shared-state.js';
import { rateLimited } from './errors.js';

const WINDOW_MS = 60_000;

/**
 * A fixed one-minute window per key, counted in the shared state (per process while Redis is away:
 * the limit then holds on each node rather than failing every request). Counts the request and answers
 * the seconds left on the window once past `limit`, else undefined: for a caller that answers the refusal
 * itself (a page rather than a problem).
 */
export function perMinuteWait(state: SharedState, limit: number, keyOf: (request: FastifyRequest) => string) {
  return async (request: FastifyRequest) => {
    const { count, ttlMs } = await state.increment(keyOf(request), WINDOW_MS);
    return count > limit ? Math.ceil(ttlMs / 1000) : undefined;
  };
}

/** The same window as a hook: past `limit`, 429 RATE_LIMITED with Retry-After. */
export function perMinute(state: SharedState, limit: number, keyOf: (request: FastifyRequest) => string) {
  const wait = perMinuteWait(state, limit, keyOf);
  return async (request: FastifyRequest) => {
    const seconds = await wait(request);
    if (seconds !== undefined) throw rateLimited(seconds);
  };
}

const credentialBudget = (request: FastifyRequest) => `auth-ip:${clientNetworkOf(request.ip)}`;
const tokenExchangeBudget = (request: FastifyRequest) => `auth-token-ip:${clientNetworkOf(request.ip)}`;

/**
 * AUTH_RATE_LIMIT_PER_MINUTE: one budget per client network (an IPv4 address, an IPv6 /64) shared by every
 * route that accepts a credential or a link (the auth module's, the social sign-in routes, and the hosted
 * pages' forms), so spreading guesses over them, or over one /64's addresses, gains nothing.
 */
export const perIpCredentialLimit = (state: SharedState, limit: number) => perMinute(state, limit, credentialBudget);
/** The same budget for the hosted pages, which answer its refusal with a page in the person's language. */
export const perIpCredentialWait = (state: SharedState, limit: number) => perMinuteWait(state, limit, credentialBudget);
/**
 * AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: the routes that trade a 256-bit token for new tokens (a refresh, an app's code),
 * one budget per client network of their own. Nothing there can be guessed, and every client refreshes routinely:
 * in the credential budget, an office behind one NAT would spend it on refreshes and then sign nobody in.
 */
export const perIpTokenExchangeLimit = (state: SharedState, limit: number) => perMinute(state, limit, tokenExchangeBudget);
