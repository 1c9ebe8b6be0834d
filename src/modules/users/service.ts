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
import { type Accounts, createAccounts } from './accounts.js';
import { createDirectory } from './directory.js';
import { addressChanges, createEmailChanges } from './email-change.js';
import { createErasure, type Erasure } from './erasure.js';
import { accessEndingEvents } from './events.js';
import { createExport } from './export.js';
import { createUserGrants } from './grants.js';
import { createLifecycle } from './lifecycle.js';
import { createMembers } from './members.js';
import * as queries from './queries.js';
import {
  actionableUser,
  applyUserChange,
  assertAddressProven,
  assertIdentifierChangesAllowed,
  assertMayRemove,
  normalizeEmail,
  visibleUser,
} from './records.js';
import { createSelfService, type LearningRecords, noLearningRecords } from './self.js';
import { createSelfDeletion } from './self-deletion.js';
import { createStepUp, type StepUp } from './step-up.js';
import { userView } from './views.js';

export type { ImportedAccount, InitialRoles, NewAccount, UserSource } from './accounts.js';
export type { SubscriptionLookup, SubscriptionSummary } from './directory.js';
export type { ExportPart } from './export.js';
export { withNameSplit } from './names.js';
export { userConditions } from './queries.js';
export { normalizeEmail } from './records.js';
export type { LearningRecords } from './self.js';
export type { StepUpCheck } from './step-up.js';
export type UserRow = queries.UserRow;
export type NewUser = queries.NewUser;

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
  'no user yet: make the first admin with `npx tessera create-admin --email you@example.com` (it works beside a running server too), or start with BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD set';

type Lifecycle = ReturnType<typeof createLifecycle>;
type Directory = ReturnType<typeof createDirectory>;
type Export = ReturnType<typeof createExport>;

/**
 * What users publishes: its routes' use cases, and what other modules do to an account inside their own
 * use cases (always on the executor of the caller's transaction). Every account, however it comes, is
 * made by `create`.
 */
export interface UsersService
  extends Pick<Lifecycle, 'createByAdmin' | 'update' | 'suspend' | 'activate' | 'deactivate' | 'restore' | 'erase' | 'createSuperAdmin'>,
    Pick<
      Directory,
      | 'list'
      | 'listOfOrganization'
      | 'detail'
      | 'emailExists'
      | 'registerSubscriptionLookup'
      | 'registerIdentityLookup'
      | 'registerMfaLookup'
    >,
    Pick<Export, 'registerExportPart' | 'registerExportStream' | 'exportUser'>,
    Pick<Erasure, 'registerErasurePart'> {
  /** The one way an account comes to be (admin, sign-up, invitation, identity provider): emits `user.created { source }`. */
  create: Accounts['create'];
  /** An import's batch of accounts with their profiles, set-based; the import's `users.imported` names them. */
  createImported: Accounts['createImported'];
  findByEmail(executor: Executor, email: string): Promise<UserRow | undefined>;
  findById(executor: Executor, id: string): Promise<UserRow | undefined>;
  /** `findById` inside another module's statement: the person as one JSON value, read back with `fromJson`. */
  asJson: typeof queries.userAsJson;
  fromJson: typeof queries.userFromJson;
  /** The profile beside the account (picture, language, time zone), for the OpenID provider's claims. */
  findProfile: typeof queries.findProfile;
  /** By address or username (any case), for a password sign-in. */
  findForSignIn: typeof queries.findUserForLogin;
  /** A new password hash; `changeRequired` makes it temporary (the next sign-in must replace it). */
  setPasswordHash: typeof queries.setPasswordHash;
  recordSignIn: typeof queries.recordLogin;
  /** The address is proven (a link mailed to it was used); one proven before stays as it was. */
  markEmailVerified: typeof queries.markEmailVerified;
  /** A pending address confirmed, or the old one restored, from a mailed link. */
  confirmAddress: typeof addressChanges.confirm;
  restoreAddress: typeof addressChanges.restore;
  /** An accepted invitation places its account in the organization (and user type), as `user.updated`. */
  join(
    tx: Executor,
    emit: Emit<DomainEvent>,
    user: UserRow,
    placement: { organizationId: string | null; userTypeId?: string },
  ): Promise<UserRow>;
  /** Suspending, deactivating or erasing: never oneself, never the last super-admin. */
  assertMayRemove: typeof assertMayRemove;
  /** A new email, username or phone: not while impersonating, nor with an API key where it could take an account. */
  assertIdentifierChangesAllowed: typeof assertIdentifierChangesAllowed;
  /** A second factor, passkey, API key or linked identity is added only to an account whose address is proven (EMAIL_NOT_VERIFIED). */
  assertAddressProven: typeof assertAddressProven;
  /** The target user, or USER_NOT_FOUND whether it is missing or outside the actor's tenancy. */
  visibleUser: typeof visibleUser;
  /** The target of an action on another account: USER_NOT_FOUND as above, or ACCOUNT_HOLDS_MORE_ACCESS. */
  actionableUser: typeof actionableUser;
  /** The one user view of the API. */
  view: typeof userView;
  /** An import's reads and overwrites: accounts by address, holders of usernames or phones, fields and profile. */
  withEmails: typeof queries.usersWithEmails;
  holdersOf: typeof queries.holdersOf;
  overwrite: typeof queries.updateUser;
  saveProfile: typeof queries.upsertProfile;
  /** How many users there are, are active, and signed up in the last 24 hours (for the metrics). */
  figures: typeof queries.userFigures;
  self: ReturnType<typeof createSelfService>;
  /** A person deletes their own account (soft), proven by their current password. */
  deleteOwnAccount: ReturnType<typeof createSelfDeletion>;
  grants: ReturnType<typeof createUserGrants>;
  /** An organization's members and a person's organizations (memberships, their roles, the default one). */
  members: ReturnType<typeof createMembers>;
  /** Its figures of the administrators' overview. */
  statistics: StatisticsPart<'users'>;
  /** The auth module answers whether a person may change their own address now (wired after users). */
  registerStepUp: StepUp['register'];
  /** The learning module answers for a user's learning preferences and statistics (wired after users). */
  registerLearningRecords(records: LearningRecords): void;
  /** Nobody can sign in yet: the console's sign-in page says how to make the first admin. */
  firstAdminNeeded(): Promise<boolean>;
  /**
   * BOOTSTRAP_ADMIN_EMAIL/PASSWORD: the first user of an empty database is a super-admin. Without them,
   * the start says how to make one, since nobody could sign in.
   */
  ensureBootstrapAdmin(log: Pick<FastifyBaseLogger, 'info' | 'warn'>): Promise<void>;
}

export function createUsersService(context: AppContext, deps: UsersDeps): UsersService {
  const { useCases, access } = deps;
  const db = context.database.primary;
  const stepUp = createStepUp();
  const emailChanges = createEmailChanges(stepUp);
  const accounts = createAccounts(access);
  // Learning answers for its records once wired (registerLearningRecords); until then there are none.
  const learning: LearningRecords = { ...noLearningRecords };
  const erasure = createErasure();
  const lifecycle = createLifecycle(context.config, { useCases, db, emailChanges, accounts, erasure, storage: deps.avatarStorage });
  const directory = createDirectory(context, { ...deps, learning });
  const exports = createExport(useCases, learning, context.reads);
  // Whoever may no longer act loses their cached access on every node too.
  useCases.afterCommit(accessEndingEvents, (event) => context.access.invalidate(event.entityId ?? undefined));
  return {
    createByAdmin: lifecycle.createByAdmin,
    update: lifecycle.update,
    suspend: lifecycle.suspend,
    activate: lifecycle.activate,
    deactivate: lifecycle.deactivate,
    restore: lifecycle.restore,
    erase: lifecycle.erase,
    createSuperAdmin: lifecycle.createSuperAdmin,
    list: directory.list,
    listOfOrganization: directory.listOfOrganization,
    detail: directory.detail,
    emailExists: directory.emailExists,
    registerSubscriptionLookup: directory.registerSubscriptionLookup,
    registerIdentityLookup: directory.registerIdentityLookup,
    registerMfaLookup: directory.registerMfaLookup,
    registerExportPart: exports.registerExportPart,
    registerExportStream: exports.registerExportStream,
    exportUser: exports.exportUser,
    registerErasurePart: erasure.registerErasurePart,

    create: accounts.create,
    createImported: accounts.createImported,
    findByEmail: (executor, email) => queries.findUserByEmail(executor, normalizeEmail(email)),
    findById: (executor, id) => queries.findUserById(executor, id),
    asJson: queries.userAsJson,
    fromJson: queries.userFromJson,
    findProfile: queries.findProfile,
    findForSignIn: queries.findUserForLogin,
    setPasswordHash: queries.setPasswordHash,
    recordSignIn: queries.recordLogin,
    markEmailVerified: queries.markEmailVerified,
    confirmAddress: addressChanges.confirm,
    restoreAddress: addressChanges.restore,
    join: (tx, emit, user, placement) => applyUserChange(tx, emit, user, placement, 'user.updated'),
    assertMayRemove,
    assertIdentifierChangesAllowed,
    assertAddressProven,
    statistics: userStatistics,
    visibleUser,
    actionableUser,
    view: userView,
    withEmails: queries.usersWithEmails,
    holdersOf: queries.holdersOf,
    overwrite: queries.updateUser,
    saveProfile: queries.upsertProfile,
    figures: queries.userFigures,

    self: createSelfService(context, { useCases, storage: deps.avatarStorage, emailChanges, learning }),
    deleteOwnAccount: createSelfDeletion(db, useCases, deps.organizations, stepUp),
    grants: createUserGrants(db, access),
    registerStepUp: stepUp.register,
    /** An organization's members and a person's organizations (memberships, their roles, the default one). */
    members: createMembers(context, deps),
    registerLearningRecords(records) {
      Object.assign(learning, records);
    },
    firstAdminNeeded: async () => !(await queries.anyUser(db)),
    async ensureBootstrapAdmin(log) {
      const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = context.config;
      if (await queries.anyUser(db)) return;
      if (!email || !password) {
        log.warn(FIRST_ADMIN_HINT);
        return;
      }
      await lifecycle.createSuperAdmin(systemCaller(), { email, password });
      log.info({ email }, 'bootstrap super-admin created');
    },
  };
}

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
