import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import middie from '@fastify/middie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import helmet from 'helmet';
import type { AppContext } from './context.js';
import { registerConsole } from './http/console.js';
import { checkDeclaredAnswers, declareImplicitProblems } from './http/declared-problems.js';
import { registerJsonParser } from './http/json-body.js';
import { loggedError } from './http/logged-error.js';
import { loggedUrl } from './http/logged-url.js';
import { registerNoStoreByDefault } from './http/no-store.js';
import { declareOperations, securitySchemes } from './http/openapi.js';
import { withOptionalBodies } from './http/openapi-optional-bodies.js';
import { shareProblemResponses } from './http/openapi-problems.js';
import { problemServerOptions, registerProblemHandlers } from './http/problem.js';
import { parseQueryString } from './http/query-string.js';
import { registerRouteGuard } from './http/route-policy.js';
import { type RunningHandlers, trackRunningHandlers } from './http/running-handlers.js';
import { registerSerialization } from './http/serialization.js';
import { registerValidation } from './http/validation.js';
import { createModules, type Modules } from './modules/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The wired domain modules, for the CLI and tests that drive their services directly. */
    modules: Modules;
    /** Routes registered without a policy: they refuse everybody, and a test keeps this empty. */
    unguardedRoutes: string[];
    /** Handlers still running (a stopping node waits for them before it closes its database). */
    runningHandlers: RunningHandlers;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    // Credentials never reach the log, whatever a route or a plugin decides to print.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', '*.password', '*.token', '*.refreshToken'],
      censor: '[redacted]',
    },
    // Fastify's own request fields, with secrets in the query string (invitation tokens, OAuth codes) masked; an
    // error without the values of a statement that failed (they are what a write writes: hashes, tokens, secrets).
    serializers: {
      err: loggedError,
      req: (request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
        method: request.method,
        url: loggedUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}

/** Builds the whole HTTP app on a context; listening is the caller's business (main.ts, tests). */
export interface BuildOptions {
  logger?: FastifyServerOptions['logger'];
  /** Tests: called for any answer whose status or problem code the route's schema does not declare. */
  onUndeclaredAnswer?: (violation: string) => void;
  /** Tests: called for every emitted event whose payload does not match its catalogue schema. */
  onInvalidEvent?: (violation: string) => void;
}

export async function buildApp(context: AppContext, options: BuildOptions = {}) {
  const { config } = context;
  const corsOrigins = config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false;
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.LOG_LEVEL),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    routerOptions: { querystringParser: parseQueryString },
    ...problemServerOptions,
    // A caller's request id is kept (so traces join up) only when it is short and plain.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('runningHandlers', trackRunningHandlers(app as unknown as FastifyInstance));
  // With origins configured, @fastify/cors answers OPTIONS (a preflight) on every path before routing.
  registerProblemHandlers(app, { corsPreflight: corsOrigins !== false });
  registerJsonParser(app);
  registerValidation(app);
  registerSerialization(app);
  const modules = await createModules(context, app.log, { onInvalidEvent: options.onInvalidEvent });
  app.decorate('modules', modules);
  app.decorate('unguardedRoutes', registerRouteGuard(app, modules.authenticate, modules.stepUp));
  declareImplicitProblems(app, modules.authenticationErrors);
  declareOperations(app);
  if (options.onUndeclaredAnswer) checkDeclaredAnswers(app, options.onUndeclaredAnswer);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerNoStoreByDefault(app);

  // Mounted servers (the OpenID provider) answer their own requests first: no body parser, helmet or CORS of ours.
  await app.register(middie, { hook: 'onRequest' });
  for (const handler of modules.middleware) app.use(handler);

  // Security headers on every answer, from one middleware built once: @fastify/helmet built a new one for each
  // request, its options parsed again (7 µs a request against 0.2 µs). A route that needs another policy
  // (hosted pages' form targets, avatars) sets its own header, which replaces this one.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  // strictPreflight off: an OPTIONS request that is not a preflight (no Origin or no Access-Control-Request-Method)
  // is answered like one, 204 with the methods, instead of the plugin's own text/plain 400.
  await app.register(cors, { origin: corsOrigins, credentials: true, strictPreflight: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera',
        version: context.version,
        description: 'User management: identity, access, profiles, organizations, subscriptions, learning records, audit.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: config.PUBLIC_URL }],
      components: { securitySchemes },
    },
    transformObject: withOptionalBodies(app, shareProblemResponses),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());

  await registerConsole(app);
  await modules.register(app);
  app.addHook('onReady', async () => {
    await modules.start(app.log);
    await context.jobs.start(app.log);
  });
  app.addHook('onClose', async () => {
    await context.jobs.stop();
    await modules.stop();
  });

  return app as unknown as FastifyInstance;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
