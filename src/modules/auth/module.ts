import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { createMailWorker, type MailWorker } from '../mail/worker.js';
import { createLoginThrottle } from './login-throttle.js';
import { hashPassword } from './passwords.js';
import { authRoutes, jwksRoute } from './routes.js';
import { randomToken } from './secrets.js';
import { createAuthService } from './service.js';
import { createSessionLiveness } from './session-liveness.js';
import { createTokenService } from './tokens.js';

function credentialsOf(request: FastifyRequest) {
  const header = request.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const apiKey = request.headers['x-api-key'];
  return { bearer, apiKey: typeof apiKey === 'string' ? apiKey : undefined };
}

/** Builds the auth module: tokens, sessions, throttling, mail delivery, and the request authenticator. */
export async function createAuthModule(context: AppContext) {
  const liveness = createSessionLiveness(context.state);
  await liveness.ready;
  const tokens = createTokenService(context.database.primary, context.config);
  const service = createAuthService(context, {
    tokens,
    liveness,
    throttle: createLoginThrottle(context.state),
    // Verified against when an account does not exist, so that answer costs what a real one does.
    dummyHash: await hashPassword(randomToken()),
  });
  let mail: MailWorker | undefined;
  let log: FastifyInstance['log'] | undefined;
  return {
    service,
    authenticate: (request: FastifyRequest) => service.authenticate(credentialsOf(request)),
    async register(app: FastifyInstance) {
      await app.register(authRoutes, { prefix: '/auth', context, auth: service });
      await app.register(jwksRoute, { jwks: tokens.jwks });
      mail = createMailWorker(context, app.log);
      log = app.log;
    },
    async start() {
      // Keys are loaded (and made, on a new database) now if the database answers, else on first use.
      await tokens.reloadKeys().catch((error) => log?.warn({ err: error }, 'signing keys not loaded yet; will retry on first use'));
      if (log) tokens.startReloading(log);
      await mail?.start();
    },
    async stop() {
      tokens.stopReloading();
      await mail?.stop();
    },
    deliverMail: () => mail?.deliverDue() ?? Promise.resolve(),
    reloadKeys: () => tokens.reloadKeys(),
  };
}

export type AuthModule = Awaited<ReturnType<typeof createAuthModule>>;
