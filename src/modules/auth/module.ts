import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../../http/bearer.js';
import type { Authenticator } from '../../http/route-policy.js';
import { defineModule } from '../../platform/module.js';
import { hashPassword } from '../../platform/passwords.js';
import type { AuthModuleDeps } from './deps.js';
import { createLoginThrottle } from './login-throttle.js';
import { impersonationRoutes } from './routes.impersonation.js';
import { credentialRoutes, jwksRoute, tokenRoutes } from './routes.js';
import { signedInRoutes, userSessionRoutes } from './routes.sessions.js';
import { userApiKeyRoutes } from './routes.user-api-keys.js';
import { userPasswordRoutes } from './routes.user-password.js';
import { randomToken } from './secrets.js';
import { type AuthService, createAuthService } from './service.js';
import { createSessionLiveness } from './session-liveness.js';
import { createTokenService } from './tokens.js';
import { createUserViewCache } from './user-views.js';

/** The request's credentials: an `Authorization: Bearer` token (JWT or API key) or an `x-api-key` header. */
function credentialsOf(request: FastifyRequest) {
  const apiKey = request.headers['x-api-key'];
  return {
    bearer: bearerToken(request.headers.authorization),
    apiKey: typeof apiKey === 'string' ? apiKey : undefined,
    request: {
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      ipAddress: request.ip ?? null,
      userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
      requestId: request.id,
    },
  };
}

/** What the route guard applies to every route that is not public. */
export const requestAuthenticator =
  (auth: AuthService): Authenticator =>
  (request) =>
    auth.authenticate(credentialsOf(request));

/** Tokens, sessions, throttling and the request authenticator; wired last, after the modules it reacts to. */
export const authModule = defineModule<AuthService, AuthModuleDeps>({
  name: 'auth',
  async create(context, deps) {
    const liveness = createSessionLiveness(context.state);
    const userViews = createUserViewCache(context.state);
    await Promise.all([liveness.ready, userViews.ready]);
    return createAuthService({
      ...deps,
      context,
      liveness,
      userViews,
      tokens: createTokenService(context.database.primary, context.config),
      throttle: createLoginThrottle(context.state),
      dummyHash: await hashPassword(randomToken()),
    });
  },
  routes: async (app, auth, { config, state }) => {
    await app.register(credentialRoutes, { prefix: '/auth', auth, state, perIpLimit: config.AUTH_RATE_LIMIT_PER_MINUTE });
    await app.register(tokenRoutes, { prefix: '/auth', auth, state, perIpLimit: config.AUTH_TOKEN_RATE_LIMIT_PER_MINUTE });
    await app.register(signedInRoutes, { prefix: '/auth', auth, state, perPrincipalLimit: config.AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE });
    await app.register(userSessionRoutes, { auth });
    await app.register(userPasswordRoutes, { auth });
    await app.register(userApiKeyRoutes, { auth });
    await app.register(impersonationRoutes, { auth });
    await app.register(jwksRoute, { jwks: auth.jwks });
  },
  async start(auth, log) {
    // Keys are loaded (and made, on a new database) now if the database answers, else on first use.
    await auth.reloadKeys().catch((error) => log.warn({ err: error }, 'signing keys not loaded yet; will retry on first use'));
    auth.startReloadingKeys(log);
  },
  stop: async (auth) => auth.stopReloadingKeys(),
});
