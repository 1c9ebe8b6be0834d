import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Authenticator } from '../http/route-policy.js';
import { type AuthModule, createAuthModule } from './auth/module.js';

export interface Modules {
  /** Turns a request's credentials into a principal; applied by the route guard to every route. */
  authenticate: Authenticator;
  /** Registers every module's routes. */
  register(app: FastifyInstance): Promise<void>;
  /** Starts and stops background work (mail delivery, signing keys). */
  start(): Promise<void>;
  stop(): Promise<void>;
  auth: AuthModule;
}

/** The domain modules, wired once from the context. */
export async function createModules(context: AppContext): Promise<Modules> {
  const auth = await createAuthModule(context);
  return {
    auth,
    authenticate: auth.authenticate,
    register: async (app) => {
      await auth.register(app);
    },
    start: () => auth.start(),
    stop: () => auth.stop(),
  };
}
