import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Authenticator } from '../http/route-policy.js';

export interface Modules {
  /** Turns a request's credentials into a principal; applied by the route guard to every route. */
  authenticate: Authenticator;
  /** Registers every module's routes. */
  register(app: FastifyInstance): Promise<void>;
  /** Starts and stops background work (mail delivery, scheduled jobs). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The domain modules, wired once from the context. */
export async function createModules(context: AppContext): Promise<Modules> {
  return {
    authenticate: async () => undefined,
    register: async () => {},
    start: async () => {},
    stop: async () => {},
  };
}
