import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Authenticator } from '../http/route-policy.js';
import { createDiskStorage } from '../platform/storage.js';
import { createCatalog } from './access/catalog.js';
import { createGrants } from './access/grants.js';
import { catalogRoutes } from './access/routes.catalog.js';
import { userAccessRoutes } from './access/routes.user-access.js';
import { auditRoutes } from './audit/routes.js';
import { type AuthModule, createAuthModule } from './auth/module.js';
import { organizationRoutes } from './organizations/routes.js';
import { createOrganizationsService } from './organizations/service.js';
import { subscriptionRoutes } from './subscriptions/routes.js';
import { createSubscriptionsService, type SubscriptionsService } from './subscriptions/service.js';
import { userRoutes } from './users/routes.js';
import { selfRoutes } from './users/routes.self.js';
import { createUsersService, type UsersService } from './users/service.js';

export interface Modules {
  /** Turns a request's credentials into a principal; applied by the route guard to every route. */
  authenticate: Authenticator;
  /** Registers every module's routes. */
  register(app: FastifyInstance): Promise<void>;
  /** Starts and stops background work (mail delivery, signing keys). */
  start(): Promise<void>;
  stop(): Promise<void>;
  auth: AuthModule;
  users: UsersService;
  subscriptions: SubscriptionsService;
}

/** The domain modules, wired once from the context: auth first, since the others end sessions through it. */
export async function createModules(context: AppContext): Promise<Modules> {
  const auth = await createAuthModule(context);
  const users = createUsersService(context, auth.service);
  const subscriptions = createSubscriptionsService(context, users);
  const organizations = createOrganizationsService(context);
  const storage = createDiskStorage(join(context.config.DATA_DIR, 'avatars'));
  context.jobs.every('expire-subscriptions', '*/5 * * * *', async () => {
    await subscriptions.expireDue();
  });
  return {
    auth,
    users,
    subscriptions,
    authenticate: auth.authenticate,
    register: async (app) => {
      await auth.register(app);
      await app.register(userRoutes, { users, auth: auth.service });
      await app.register(selfRoutes, { context, users, storage });
      await app.register(userAccessRoutes, { context, grants: createGrants(context), usersService: users });
      await app.register(catalogRoutes, { catalog: createCatalog(context) });
      await app.register(organizationRoutes, { organizations, users });
      await app.register(subscriptionRoutes, { subscriptions });
      await app.register(auditRoutes, { context });
    },
    start: () => auth.start(),
    stop: () => auth.stop(),
  };
}
