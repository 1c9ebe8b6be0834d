import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { systemCaller } from '../../platform/caller.js';
import type { FileStorage } from '../../platform/storage.js';
import type { Emit } from '../../platform/use-case.js';
import type { AccessService } from '../access/service.js';
import type { DomainEvent, DomainUseCases } from '../events.js';
import { dailySeries, type StatisticsPart } from '../ops/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import { createDirectory } from './directory.js';
import { addressChanges, createEmailChanges } from './email-change.js';
import { accessEndingEvents } from './events.js';
import { createExport } from './export.js';
import { createUserGrants } from './grants.js';
import { createLifecycle } from './lifecycle.js';
import * as queries from './queries.js';
import { actionableUser, applyUserChange, assertMayRemove, normalizeEmail, visibleUser } from './records.js';
import { createSelfService } from './self.js';
import { userView } from './views.js';

export type { SubscriptionLookup, SubscriptionSummary } from './directory.js';
export type { StepUpCheck } from './email-change.js';
export type { ExportPart } from './export.js';
export { normalizeEmail } from './records.js';
export type UserRow = queries.UserRow;
export type NewUser = queries.NewUser;

/**
 * What the auth module needs of user records (finding, creating and marking accounts), always on the
 * executor of the caller's transaction.
 */
export const accounts = {
  normalizeEmail,
  findByEmail: (executor: Executor, email: string) => queries.findUserByEmail(executor, normalizeEmail(email)),
  findById: (executor: Executor, id: string) => queries.findUserById(executor, id),
  findForLogin: queries.findUserForLogin,
  create: queries.insertUserWithProfile,
  setPasswordHash: queries.setPasswordHash,
  recordLogin: queries.recordLogin,
  markEmailVerified: queries.markEmailVerified,
  /** A pending address confirmed, or the old one restored, from a mailed link. */
  confirmAddress: addressChanges.confirm,
  restoreAddress: addressChanges.restore,
  /** An accepted invitation places its account in the organization (and user type), as `user.updated`. */
  join: (tx: Executor, emit: Emit<DomainEvent>, user: UserRow, placement: { organizationId: string | null; userTypeId?: string }) =>
    applyUserChange(tx, emit, user, placement, 'user.updated'),
  /** Suspending, deactivating or erasing: never oneself, never the last super-admin. */
  assertMayRemove,
  /** The one user view of the API. */
  view: userView,
};

export interface UsersDeps {
  useCases: DomainUseCases;
  access: AccessService;
  organizations: OrganizationsService;
  /** Where avatars live (disk or S3), chosen at wiring from the configuration. */
  avatarStorage: FileStorage;
}

/**
 * Users: the admin lifecycle (lifecycle.ts), lists and details (directory.ts), self-service (self.ts),
 * roles and permissions of a user (grants.ts) and the GDPR export (export.ts). Users does not know auth:
 * auth reacts to users' events (mails on `user.created`, `user.email_change_requested` and `user.email_changed`, sessions ended on
 * `user.suspended`, `user.deactivated` and `user.erased`).
 */
export const FIRST_ADMIN_HINT =
  'no user yet: make the first admin with `npx tessera create-admin --email you@example.com` (in another terminal while this server runs), or start with BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD set';

export function createUsersService(context: AppContext, deps: UsersDeps) {
  const { useCases, access } = deps;
  const emailChanges = createEmailChanges();
  const lifecycle = createLifecycle(context.config, { ...deps, db: context.database.primary, emailChanges });
  // Whoever may no longer act loses their cached access on every node too.
  useCases.afterCommit(accessEndingEvents, (event) => context.access.invalidate(event.entityId ?? undefined));
  return {
    /** The target user, or USER_NOT_FOUND whether it is missing or outside the actor's tenancy (for other modules). */
    /** Its figures of the administrators' overview. */
    statistics: userStatistics,
    visibleUser,
    /** The target of an action on another account: USER_NOT_FOUND as above, or ACCOUNT_HOLDS_MORE_ACCESS (for other modules). */
    actionableUser,
    ...lifecycle,
    ...createDirectory(context, deps),
    ...createExport(useCases),
    self: createSelfService(context, { useCases, storage: deps.avatarStorage, emailChanges }),
    /** The auth module answers whether a person may change their own address now (wired after users). */
    registerStepUp: emailChanges.registerStepUp,
    grants: createUserGrants(context.database.primary, access),

    /** Nobody can sign in yet: the console's sign-in page says how to make the first admin. */
    firstAdminNeeded: async () => !(await queries.anyUser(context.database.primary)),

    /**
     * BOOTSTRAP_ADMIN_EMAIL/PASSWORD: the first user of an empty database is a super-admin. Without them,
     * the start says how to make one, since nobody could sign in.
     */
    async ensureBootstrapAdmin(log: Pick<FastifyBaseLogger, 'info' | 'warn'>) {
      const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = context.config;
      if (await queries.anyUser(context.database.primary)) return;
      if (!email || !password) {
        log.warn(FIRST_ADMIN_HINT);
        return;
      }
      await lifecycle.createSuperAdmin(systemCaller(), { email, password });
      log.info({ email }, 'bootstrap super-admin created');
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;

/** The overview's user figures (registered with ops at wiring time). */
const userStatistics: StatisticsPart<'users'> = async (db, { organizationId, since }) => {
  const { totals, days } = await queries.userStatistics(db, organizationId, since);
  return {
    total: totals?.total ?? 0,
    active: totals?.active ?? 0,
    signedInInWindow: totals?.signedIn ?? 0,
    byStatus: {
      ACTIVE: totals?.active ?? 0,
      PENDING: totals?.pending ?? 0,
      SUSPENDED: totals?.suspended ?? 0,
      INACTIVE: totals?.inactive ?? 0,
    },
    signUpsPerDay: dailySeries(days, since),
  };
};
