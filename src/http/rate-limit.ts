import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientNetworkOf } from '../platform/client-network.js';
import type { SharedState } from '../platform/shared-state.js';
import { rateLimited } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A success proves a credential (a password, a code, a mailed link, an invitation): its count in the IP's
     * credential budget is given back, so people signing in from one address (an office's or a school's NAT)
     * spend that budget on their failures only. Routes that mail keep their count; what starts a ceremony is not in
     * this budget at all (perIpTokenExchangeLimit).
     */
    provesCredential?: boolean;
  }
}

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

/** The route config of a credential route whose success gives its count back. */
export const provesCredential = { provesCredential: true } as const;

/** Requests refused with a success status (a redirect to a page saying why): their count stays. */
const refusedAsRedirect = new WeakSet<FastifyRequest>();
/** Marks a credential request refused though its answer is a redirect, so that its count is not given back. */
export const keepCredentialCount = (request: FastifyRequest) => void refusedAsRedirect.add(request);

/**
 * As the answer is sent (an onSend hook, so the count is back before the client reads it): a credential route's
 * success that proved something gives its count back. The count was taken before the body was read, so parallel
 * guesses are held by the limit all the same; a refusal (429) keeps it.
 */
export const giveBackProvenCredential =
  (state: SharedState) =>
  async <Payload>(request: FastifyRequest, reply: FastifyReply, payload: Payload) => {
    const proven = reply.statusCode < 400 && request.routeOptions.config.provesCredential && !refusedAsRedirect.has(request);
    if (proven) await state.decrement(credentialBudget(request));
    return payload;
  };

/**
 * AUTH_RATE_LIMIT_PER_MINUTE: one budget per client network (an IPv4 address, an IPv6 /64) shared by every
 * route that accepts a credential or a link (the auth module's, the social sign-in routes, the invitation routes
 * and the hosted pages' forms), so spreading guesses over them, or over one /64's addresses, gains nothing. Every
 * request is counted before its body is read; a success that proved a credential is given back.
 */
export function addCredentialBudget(app: FastifyInstance, state: SharedState, limit: number) {
  app.addHook('onRequest', perMinute(state, limit, credentialBudget));
  app.addHook('onSend', giveBackProvenCredential(state));
}
/** The same budget for the hosted pages, which answer its refusal with a page in the person's language. */
export const perIpCredentialWait = (state: SharedState, limit: number) => perMinuteWait(state, limit, credentialBudget);
/**
 * AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: the routes that trade a 256-bit token for new tokens (a refresh, an app's code)
 * and those that start a ceremony (a passkey's options, a social sign-in's start), one budget per client network of
 * their own. Nothing there can be guessed: a start checks nothing, its finish is what the credential budget counts.
 * In that budget, an office behind one NAT would spend it on refreshes and passkey or social sign-ins (whose start
 * keeps its count, since it proves nothing) and then sign nobody in; this one holds off a flood of them.
 */
export const perIpTokenExchangeLimit = (state: SharedState, limit: number) => perMinute(state, limit, tokenExchangeBudget);
/** The same budget for the hosted pages' ceremony starts, which answer its refusal with a page. */
export const perIpTokenExchangeWait = (state: SharedState, limit: number) => perMinuteWait(state, limit, tokenExchangeBudget);
