import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Permission } from '../modules/access/permissions.js';
import { forbidden, unauthorized } from './errors.js';

/**
 * What a route demands of its caller. Every route declares one (`config: { auth }`); a route
 * without one answers 403 to everybody, so nothing is public by accident.
 */
export type RoutePolicy = 'public' | 'authenticated' | { permission: Permission; orSelf?: boolean };

/** The authenticated caller, set by the auth module's hook. */
export interface Principal {
  userId: string;
  /** Set for access tokens: the session (refresh-token family) the token belongs to. */
  sessionId: string | null;
  /** Set when the caller used an API key. */
  apiKeyId: string | null;
  organizationId: string | null;
  roles: string[];
  permissions: ReadonlySet<Permission>;
  crossTenant: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RoutePolicy;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const requirePermission = (permission: Permission): { auth: RoutePolicy } => ({ auth: { permission } });
/** The permission, or the caller acting on their own record (`:id` is `me` or their id). */
export const requirePermissionOrSelf = (permission: Permission): { auth: RoutePolicy } => ({ auth: { permission, orSelf: true } });
export const publicRoute = { auth: 'public' } as const satisfies { auth: RoutePolicy };
export const authenticated = { auth: 'authenticated' } as const satisfies { auth: RoutePolicy };

/** Pure: may this principal pass this policy? (Unit-tested; the hook below only applies it.) */
export function policyAllows(
  policy: RoutePolicy | undefined,
  principal: Principal | undefined,
  targetUserId?: string,
): 'allow' | 'unauthenticated' | 'forbidden' {
  if (policy === undefined) return 'forbidden';
  if (policy === 'public') return 'allow';
  if (!principal) return 'unauthenticated';
  if (policy === 'authenticated') return 'allow';
  if (policy.orSelf && (targetUserId === 'me' || targetUserId === principal.userId)) return 'allow';
  return principal.permissions.has(policy.permission) ? 'allow' : 'forbidden';
}

export type Authenticator = (request: FastifyRequest) => Promise<Principal | undefined>;

/**
 * Installs authentication and the policy check on every route, and returns the routes that declared no
 * policy (they answer 403 to everybody; a test keeps the list empty). Swagger UI's routes, the console's
 * static files and the CORS preflight come from plugins we do not write and are public by nature.
 */
export function registerRouteGuard(app: FastifyInstance, authenticate: Authenticator): string[] {
  const unguarded: string[] = [];
  const publicByNature = (url: string, method: string | string[]) =>
    url.startsWith('/docs') || url.startsWith('/admin/') || (method === 'OPTIONS' && url === '*');
  app.addHook('onRoute', (route) => {
    if (publicByNature(route.url, route.method)) route.config = { ...route.config, auth: 'public' };
    else if (!route.config?.auth) unguarded.push(`${route.method} ${route.url}`);
  });
  app.addHook('preHandler', async (request) => {
    const policy = request.routeOptions.config.auth;
    if (policy === 'public' || (policy === undefined && request.is404)) return;
    request.principal = await authenticate(request);
    const verdict = policyAllows(policy, request.principal, (request.params as { id?: string } | undefined)?.id);
    if (verdict === 'unauthenticated') throw unauthorized();
    if (verdict === 'forbidden') throw forbidden();
  });
  return unguarded;
}
