import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ErrorSpec } from '../http/errors.js';
import type { Authenticator } from '../http/route-policy.js';
import { wireModule } from '../platform/module.js';
import { createUseCases } from '../platform/use-case.js';
import { accessModule } from './access/module.js';
import { auditModule } from './audit/module.js';
import { type AuthModule, createAuthModule } from './auth/module.js';
import type { DomainEvent } from './events.js';
import { interimExportParts, interimSubscriptionLookup } from './interim-ports.js';
import { organizationsModule } from './organizations/module.js';
import { subscriptionRoutes } from './subscriptions/routes.js';
import { createSubscriptionsService, type SubscriptionsService } from './subscriptions/service.js';
import { usersModule } from './users/module.js';
import type { UsersService } from './users/service.js';

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

  const access = await wireModule(accessModule, context, { useCases });
  const organizations = await wireModule(organizationsModule, context, { useCases });
  const users = await wireModule(usersModule, context, { useCases, access: access.service, organizations: organizations.service });
  for (const [name, part] of Object.entries({ ...access.service.exportParts, ...interimExportParts })) {
    users.service.registerExportPart(name, part);
  }
  users.service.registerSubscriptionLookup(interimSubscriptionLookup);
  const auth = await createAuthModule(context);
  const subscriptions = createSubscriptionsService(context, users.service);
  context.jobs.every('expire-subscriptions', '*/5 * * * *', async () => {
    await subscriptions.expireDue();
  });
  const wired = [audit, access, organizations, users];
  for (const module of wired) for (const job of module.jobs()) context.jobs.every(job.name, job.cron, job.run);
  return {
    auth,
    users: users.service,
    subscriptions,
    authenticate: auth.authenticate,
    authenticationErrors: [],
    register: async (app) => {
      await auth.register(app);
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
