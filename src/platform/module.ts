import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/**
 * A connect-style handler that answers its requests before Fastify's hooks, body parsers and security
 * headers run (a mounted third-party server such as the OpenID provider); others it passes on with `next()`.
 */
export type RawMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

import type { AppContext } from '../context.js';

/** A scheduled job of a module: runs on one node at a time, on a cron schedule (UTC). */
export interface ModuleJob {
  name: string;
  cron: string;
  run(): Promise<void>;
}

/**
 * The shape every module has. `create` builds its service from the context and the services of the
 * modules wired before it (`deps`: the only way one module reaches another); the rest is optional.
 * See docs/modules.md.
 */
export interface ModuleDefinition<Service, Deps> {
  readonly name: string;
  create(context: AppContext, deps: Deps): Service | Promise<Service>;
  /** Registers the module's HTTP routes (routes.ts files: HTTP only). */
  routes?(app: FastifyInstance, service: Service, context: AppContext): Promise<void>;
  jobs?(service: Service, context: AppContext): ModuleJob[];
  /** A raw handler mounted ahead of Fastify's plugins (see RawMiddleware). */
  middleware?(service: Service): RawMiddleware;
  /** Background work started once the app is ready (timers, workers), stopped in reverse wiring order. */
  start?(service: Service, log: FastifyBaseLogger): Promise<void>;
  stop?(service: Service): Promise<void>;
}

export function defineModule<Service, Deps = Record<string, never>>(
  definition: ModuleDefinition<Service, Deps>,
): ModuleDefinition<Service, Deps> {
  return definition;
}

/** A module built on a context: its service, and its routes, jobs and lifecycle bound to it. */
export interface WiredModule<Service> {
  readonly name: string;
  readonly service: Service;
  registerRoutes(app: FastifyInstance): Promise<void>;
  jobs(): ModuleJob[];
  middleware(): RawMiddleware | undefined;
  start(log: FastifyBaseLogger): Promise<void>;
  stop(): Promise<void>;
}

export async function wireModule<Service, Deps>(
  definition: ModuleDefinition<Service, Deps>,
  context: AppContext,
  deps: Deps,
): Promise<WiredModule<Service>> {
  const service = await definition.create(context, deps);
  return {
    name: definition.name,
    service,
    registerRoutes: async (app) => definition.routes?.(app, service, context),
    jobs: () => definition.jobs?.(service, context) ?? [],
    middleware: () => definition.middleware?.(service),
    start: async (log) => definition.start?.(service, log),
    stop: async () => definition.stop?.(service),
  };
}
