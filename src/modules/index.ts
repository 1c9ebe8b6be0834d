import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ErrorSpec } from '../http/errors.js';
import type { Authenticator, StepUpCheck } from '../http/route-policy.js';
import { type RawMiddleware, wireModule } from '../platform/module.js';
import { createDiskStorage, createS3Storage } from '../platform/storage.js';
import { createUseCases } from '../platform/use-case.js';
import { accessModule } from './access/module.js';
import { auditModule } from './audit/module.js';
import { authenticationErrors } from './auth/errors.js';
import { authModule, requestAuthenticator } from './auth/module.js';
import type { AuthService } from './auth/service.js';
import { type DomainEvent, type DomainUseCases, payloadChecker } from './events.js';
import { federationModule } from './federation/module.js';
import { hostedModule } from './hosted/module.js';
import type { HostedService } from './hosted/service.js';
import { importModule } from './import/module.js';
import type { ImportService } from './import/service.js';
import { invitationsModule } from './invitations/module.js';
import type { InvitationsService } from './invitations/service.js';
import { learningModule } from './learning/module.js';
import type { LearningService } from './learning/service.js';
import { mailModule } from './mail/module.js';
import { mfaModule } from './mfa/module.js';
import { oidcModule } from './oidc/module.js';
import type { OidcService } from './oidc/service.js';
import { opsModule } from './ops/module.js';
import { organizationsModule } from './organizations/module.js';
import { subscriptionsModule } from './subscriptions/module.js';
import type { SubscriptionsService } from './subscriptions/service.js';
import { usersModule } from './users/module.js';
import { type UsersService, userConditions } from './users/service.js';
import { webhooksModule } from './webhooks/module.js';
import type { WebhooksService } from './webhooks/service.js';

/** Presets through here: importing the wiring loads every module that adds a part to them (subscriptions' plans). */
export { ensureSomePreset, seedPreset } from './access/service.js';

export interface Modules {
  /** Turns a request's credentials into a principal; applied by the route guard to every route. */
  authenticate: Authenticator;
  /** Step-up (RFC 9470) for routes whose config says `stepUp`: the mfa module's. */
  stepUp: StepUpCheck;
  /** The 401 codes the authenticator answers with, declared on every guarded route. */
  authenticationErrors: ErrorSpec[];
  /** Registers every module's routes. */
  register(app: FastifyInstance): Promise<void>;
  /** Raw handlers mounted ahead of Fastify's plugins (the OpenID provider), in wiring order. */
  middleware: RawMiddleware[];
  /** From now on /health/ready answers 503 while requests are still served: a load balancer stops sending new ones. */
  drain(): void;
  /** Starts and stops background work (mail delivery, signing keys). */
  start(log: FastifyBaseLogger): Promise<void>;
  stop(): Promise<void>;
  auth: AuthService;
  users: UsersService;
  subscriptions: SubscriptionsService;
  invitations: InvitationsService;
  importer: ImportService;
  learning: LearningService;
  webhooks: WebhooksService;
  /** The use-case runner every module writes through (tests emit catalogue events through it). */
  useCases: DomainUseCases;
  hosted: HostedService;
  oidc: OidcService;
}

export interface ModuleOptions {
  /** Tests: called for every emitted event whose payload does not match its catalogue schema. */
  onInvalidEvent?: (violation: string) => void;
}

/** The domain modules, wired once from the context, in dependency order (see docs/modules.md). */
export async function createModules(context: AppContext, log: FastifyBaseLogger, options: ModuleOptions = {}): Promise<Modules> {
  const useCases = createUseCases<DomainEvent>(context.database.primary, log, context.reads.wrote);
  const ops = await wireModule(opsModule, context, {});
  const mail = await wireModule(mailModule, context, { useCases });
  const audit = await wireModule(auditModule, context, {});

  const access = await wireModule(accessModule, context, { useCases });
  const organizations = await wireModule(organizationsModule, context, { useCases, access: access.service });
  const { AVATAR_STORAGE_BUCKET: bucket, S3_REGION: region, S3_ENDPOINT: endpoint, DATA_DIR } = context.config;
  const avatarStorage = bucket ? createS3Storage({ bucket, region, endpoint }) : createDiskStorage(join(DATA_DIR, 'avatars'));
  const users = await wireModule(usersModule, context, {
    useCases,
    access: access.service,
    organizations: organizations.service,
    avatarStorage,
  });
  access.service.registerActiveUsers({ isActive: userConditions.active, exists: userConditions.present });
  mail.service.registerLanguagePreference(async (executor, account) => {
    const id = account.id ?? (account.email ? (await users.service.findByEmail(executor, account.email))?.id : undefined);
    return id ? (await users.service.findProfile(executor, id))?.language : undefined;
  });
  ops.service.metrics.registerUserFigures(async () => ({
    ...(await users.service.figures(context.database.read)),
    byRole: await access.service.holdersByRole(context.database.read),
  }));
  const subscriptions = await wireModule(subscriptionsModule, context, { useCases, users: users.service });
  users.service.registerSubscriptionLookup(subscriptions.service.summaryOf);
  const auth = await wireModule(authModule, context, {
    useCases,
    access: access.service,
    users: users.service,
    subscriptions: subscriptions.service,
    mail: mail.service,
    organizations: organizations.service,
  });
  const mfa = await wireModule(mfaModule, context, {
    useCases,
    users: users.service,
    organizations: organizations.service,
    auth: auth.service,
    mail: mail.service,
  });
  const learning = await wireModule(learningModule, context, { useCases, users: users.service });
  const webhooks = await wireModule(webhooksModule, context, {
    useCases,
    mail: mail.service,
    metrics: ops.service.metrics.registry,
    users: users.service,
  });
  // Every in-transaction writer an event goes through, here and nowhere else: audit row, activity row, webhook outbox.
  const writers = [audit.service.record, learning.service.activity.record, webhooks.service.record];
  for (const writer of writers) useCases.record(writer);
  if (options.onInvalidEvent) useCases.inspect(payloadChecker(options.onInvalidEvent));
  useCases.recordInStatement(audit.service.recordInStatement);
  const federation = await wireModule(federationModule, context, {
    useCases,
    access: access.service,
    users: users.service,
    auth: auth.service,
  });
  const invitations = await wireModule(invitationsModule, context, {
    useCases,
    access: access.service,
    organizations: organizations.service,
    users: users.service,
    subscriptions: subscriptions.service,
    auth: auth.service,
    mail: mail.service,
  });
  const importer = await wireModule(importModule, context, {
    useCases,
    invitations: invitations.service,
    users: users.service,
    access: access.service,
    organizations: organizations.service,
    learning: learning.service,
  });
  const hosted = await wireModule(hostedModule, context, {
    auth: auth.service,
    invitations: invitations.service,
    federation: federation.service,
    users: users.service,
    mfa: mfa.service,
  });
  const oidc = await wireModule(oidcModule, context, {
    useCases,
    access: access.service,
    organizations: organizations.service,
    users: users.service,
    auth: auth.service,
    hosted: hosted.service,
  });
  const exportParts = {
    ...access.service.exportParts,
    ...organizations.service.exportParts,
    ...subscriptions.service.exportParts,
    ...auth.service.exportParts,
    ...mfa.service.exportParts,
    ...learning.service.exportParts,
    ...federation.service.exportParts,
    ...invitations.service.exportParts,
  };
  for (const [name, part] of Object.entries(exportParts)) users.service.registerExportPart(name, part);
  for (const [name, stream] of Object.entries(audit.service.exportStreams)) users.service.registerExportStream(name, stream);
  // A person's erasure: each module keeping rows that name them erases its part in the erasure's transaction.
  const erasureParts = {
    ...audit.service.erasureParts,
    ...webhooks.service.erasureParts,
    ...invitations.service.erasureParts,
    ...mail.service.erasureParts,
  };
  for (const [name, part] of Object.entries(erasureParts)) users.service.registerErasurePart(name, part);
  // The administrators' overview: each figure computed by the module owning its tables.
  ops.service.statistics.register('users', users.service.statistics);
  ops.service.statistics.register('roles', access.service.statistics);
  ops.service.statistics.register('signIns', auth.service.statistics);
  ops.service.statistics.register('failedSignIns', audit.service.statistics);
  ops.service.statistics.register('invitations', invitations.service.statistics);
  const wired = [
    ops,
    mail,
    audit,
    access,
    organizations,
    users,
    subscriptions,
    auth,
    mfa,
    learning,
    webhooks,
    federation,
    invitations,
    importer,
    hosted,
    oidc,
  ];
  for (const module of wired) for (const job of module.jobs()) context.jobs.every(job.name, job.cron, job.run);
  return {
    auth: auth.service,
    invitations: invitations.service,
    importer: importer.service,
    users: users.service,
    subscriptions: subscriptions.service,
    learning: learning.service,
    webhooks: webhooks.service,
    useCases,
    hosted: hosted.service,
    oidc: oidc.service,
    middleware: wired.map((module) => module.middleware()).filter((handler) => handler !== undefined),
    authenticate: requestAuthenticator(auth.service),
    stepUp: mfa.service.requireStepUp,
    authenticationErrors,
    drain: () => ops.service.drain(),
    register: async (app) => {
      for (const module of wired) await module.registerRoutes(app);
    },
    start: async (log) => {
      for (const module of wired) await module.start(log);
    },
    stop: async () => {
      for (const module of [...wired].reverse()) await module.stop();
    },
  };
}
