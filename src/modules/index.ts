import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ErrorSpec } from '../http/errors.js';
import type { Authenticator } from '../http/route-policy.js';
import { wireModule } from '../platform/module.js';
import { createDiskStorage } from '../platform/storage.js';
import { createUseCases } from '../platform/use-case.js';
import { createCatalog } from './access/catalog.js';
import { createGrants } from './access/grants.js';
import { catalogRoutes } from './access/routes.catalog.js';
import { userAccessRoutes } from './access/routes.user-access.js';
import { auditModule } from './audit/module.js';
import { type AuthModule, createAuthModule } from './auth/module.js';
import type { DomainEvent } from './events.js';
import { organizationsModule } from './organizations/module.js';
import { subscriptionRoutes } from './subscriptions/routes.js';
import { createSubscriptionsService, type SubscriptionsService } from './subscriptions/service.js';
import { userRoutes } from './users/routes.js';
import { selfRoutes } from './users/routes.self.js';
import { createUsersService, type UsersService } from './users/service.js';

export interface Modules {
  /** Turns a request's credentials into a principal; applied by the route guard to every route. */
  authenticate: Authenticator;
  /** The 401 codes the authenticator answers with, declared on every guarded route. */
  authenticationErrors: ErrorSpec[];
  /** Registers every module's routes. */
  register(app: FastifyInstance): Promise<void>;
  /** Starts and stops background work (mail delivery, signing keys). */
  start(log: FastifyBaseLogger): Promise<void>;
  stop(): Promise<void>;
  auth: AuthModule;
  users: UsersService;
  subscriptions: SubscriptionsService;
}

/** The domain modules, wired once from the context, in dependency order (see docs/modules.md). */
export async function createModules(context: AppContext, log: FastifyBaseLogger): Promise<Modules> {
  const useCases = createUseCases<DomainEvent>(context.database.primary, log);
  const audit = await wireModule(auditModule, context, {});
  useCases.record(audit.service.record);

  const organizations = await wireModule(organizationsModule, context, { useCases });
  const auth = await createAuthModule(context);
  const users = createUsersService(context, auth.service);
  const subscriptions = createSubscriptionsService(context, users);
  const storage = createDiskStorage(join(context.config.DATA_DIR, 'avatars'));
  context.jobs.every('expire-subscriptions', '*/5 * * * *', async () => {
    await subscriptions.expireDue();
  });
  const wired = [audit, organizations];
  for (const module of wired) for (const job of module.jobs()) context.jobs.every(job.name, job.cron, job.run);
  return {
    auth,
    users,
    subscriptions,
    authenticate: auth.authenticate,
    authenticationErrors: [],
    register: async (app) => {
      await auth.register(app);
      await app.register(userRoutes, { users, auth: auth.service, organizations: organizations.service });
      await app.register(selfRoutes, { context, users, storage });
      await app.register(userAccessRoutes, { context, grants: createGrants(context), usersService: users });
      await app.register(catalogRoutes, { catalog: createCatalog(context) });
      await app.register(subscriptionRoutes, { subscriptions });
      for (const module of wired) await module.registerRoutes(app);
    },
    start: async (log) => {
      await auth.start();
      for (const module of wired) await module.start(log);
    },
    stop: async () => {
      for (const module of [...wired].reverse()) await module.stop();
      await auth.stop();
    },
  };
}
