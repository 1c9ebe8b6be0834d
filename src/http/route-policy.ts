import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Caller, Principal, SignedInCaller } from '../platform/caller.js';
import type { Permission } from '../platform/permissions.js';
import { cookieOf } from './cookies.js';
import { httpErrors } from './errors.js';

/**
 * What a route demands of its caller. Every route declares one (`config: { auth }`); a route
 * without one answers 403 to everybody, so nothing is public by accident.
 */
export type RoutePolicy = 'public' | 'optional' | 'authenticated' | { permission: Permission; orSelf?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RoutePolicy;
    /** Changes credentials or grants power: needs a recent sign-in, with a second factor when the person has one. */
    stepUp?: boolean;
    /** The body may be left out, or sent empty as JSON: the route reads it as `{}`. */
    optionalBody?: boolean;
  }
  interface FastifyRequest {
    /** Who is asking and from where; its principal is set on every route whose policy is not public. */
    caller: Caller;
  }
}

/** Routes behind a policy are only reached with a principal; the cast says what the guard guaranteed. */
export const signedIn = (caller: Caller): SignedInCaller => {
  if (!caller.principal) throw httpErrors.UNAUTHORIZED();
  return caller as SignedInCaller;
};

export const requirePermission = (permission: Permission): { auth: RoutePolicy } => ({ auth: { permission } });
/** The permission, or the caller acting on their own record (`:id` is `me` or their id). */
export const requirePermissionOrSelf = (permission: Permission): { auth: RoutePolicy } => ({ auth: { permission, orSelf: true } });
export const publicRoute = { auth: 'public' } as const satisfies { auth: RoutePolicy };
export const authenticated = { auth: 'authenticated' } as const satisfies { auth: RoutePolicy };
/** Anyone may call it; a caller who sends credentials is known (accepting an invitation to an existing account). */
export const signedInIfCredentials = { auth: 'optional' } as const satisfies { auth: RoutePolicy };

/** Pure: may this principal pass this policy? (Unit-tested; the hook below only applies it.) */
export function policyAllows(
  policy: RoutePolicy | undefined,
  principal: Principal | undefined,
  targetUserId?: string,
): 'allow' | 'unauthenticated' | 'forbidden' {
  if (policy === undefined) return 'forbidden';
  if (policy === 'public' || policy === 'optional') return 'allow';
  if (!principal) return 'unauthenticated';
  if (policy === 'authenticated') return 'allow';
  if (policy.orSelf && (targetUserId === 'me' || targetUserId === principal.userId)) return 'allow';
  return principal.permissions.has(policy.permission) ? 'allow' : 'forbidden';
}

export type Authenticator = (request: FastifyRequest) => Promise<Principal | undefined>;
/** Throws STEP_UP_REQUIRED (401, RFC 9470) unless the caller's sign-in is recent and strong enough. */
export type StepUpCheck = (caller: SignedInCaller) => Promise<void>;

/**
 * Installs authentication and the policy check on every route, and returns the routes that declared no
 * policy (they answer 403 to everybody; a test keeps the list empty). Swagger UI's routes, the console's
 * static files and the CORS preflight come from plugins we do not write and are public by nature.
 */
export function registerRouteGuard(app: FastifyInstance, authenticate: Authenticator, stepUp?: StepUpCheck): string[] {
  const unguarded: string[] = [];
  const publicByNature = (url: string, method: string | string[]) =>
    url.startsWith('/docs') || url.startsWith('/admin/') || (method === 'OPTIONS' && url === '*');
  app.addHook('onRoute', (route) => {
    if (publicByNature(route.url, route.method)) route.config = { ...route.config, auth: 'public' };
    else if (!route.config?.auth) unguarded.push(`${route.method} ${route.url}`);
  });
  app.decorateRequest('caller', null as unknown as Caller);
  app.addHook('preHandler', async (request) => {
    const policy = request.routeOptions.config.auth;
    const principal = policy === 'public' || (policy === undefined && request.is404) ? undefined : await authenticate(request);
    request.caller = {
      principal,
      ipAddress: request.ip ?? null,
      userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
      requestId: request.id,
      cookie: (name) => cookieOf(request.headers.cookie, name),
    };
    if (policy === 'public' || (policy === undefined && request.is404)) return;
    const verdict = policyAllows(policy, principal, (request.params as { id?: string } | undefined)?.id);
    if (verdict === 'unauthenticated') throw httpErrors.UNAUTHORIZED();
    if (verdict === 'forbidden') throw httpErrors.FORBIDDEN();
    if (stepUp && principal && request.routeOptions.config.stepUp) await stepUp(request.caller as SignedInCaller);
  });
  return unguarded;
}
