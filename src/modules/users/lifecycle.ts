import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { assertPasswordAcceptable } from '../../platform/password-policy.js';
import { hashPassword } from '../../platform/passwords.js';
import type { FileStorage } from '../../platform/storage.js';
import { placementFor, resolveUserId, tenantOf } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import type { Accounts } from './accounts.js';
import { storedAvatarKeys } from './avatar.js';
import { type EmailChanges, newAddressOf } from './email-change.js';
import type { Erasure } from './erasure.js';
import { userErrors as errors } from './errors.js';
import { withNameSplit } from './names.js';
import * as queries from './queries.js';
import {
  actionableUser,
  applyUserChange,
  assertIdentifierChangesAllowed,
  assertMayRemove,
  normalizeEmail,
  saveProfile,
  visibleUser,
} from './records.js';
import type { CreateUser, PatchUser } from './schemas.js';
import { assertSelfEditable } from './self-fields.js';
import { userView } from './views.js';

export interface LifecycleDeps {
  useCases: DomainUseCases;
  db: Db;
  emailChanges: EmailChanges;
  accounts: Accounts;
  erasure: Erasure;
  /** The avatar store: an erased person's pictures go with them. */
  storage: FileStorage;
}

type Status = 'PENDING' | 'ACTIVE' | 'SUSPENDED' | 'INACTIVE';
type Transition = {
  status: Exclude<Status, 'PENDING'>;
  event: 'user.suspended' | 'user.activated' | 'user.deactivated' | 'user.restored';
  /**
   * The statuses it starts from besides its own (which changes nothing, or a suspension's reason). Each
   * permission undoes only its own act: lifting a suspension (users:suspend) does not bring back a deactivated
   * user, restoring one (users:delete) does not lift a suspension, and a deactivated user is not suspended.
   */
  from: readonly Status[];
};
const transitions = {
  suspend: { status: 'SUSPENDED', event: 'user.suspended', from: ['PENDING', 'ACTIVE'] },
  activate: { status: 'ACTIVE', event: 'user.activated', from: ['PENDING', 'SUSPENDED'] },
  deactivate: { status: 'INACTIVE', event: 'user.deactivated', from: ['PENDING', 'ACTIVE', 'SUSPENDED'] },
  restore: { status: 'ACTIVE', event: 'user.restored', from: ['INACTIVE'] },
} as const satisfies Record<string, Transition>;

/** Why a user in this status cannot take the change asked for, and which change they can take. */
const refusalFrom: Record<Status, string> = {
  INACTIVE: 'This user is deactivated: restore them first (POST /users/{id}/restore).',
  SUSPENDED: 'This user is suspended, not deactivated: lift the suspension instead (POST /users/{id}/activate).',
  PENDING: 'This user is pending, not deactivated: activate them instead (POST /users/{id}/activate).',
  ACTIVE: 'This user is active.',
};

/** An administrator's lifecycle of a user: create, change, suspend, deactivate (soft delete), restore, erase. */
export function createLifecycle(
  config: Pick<Config, 'PASSWORD_MIN_LENGTH'>,
  { useCases, db, emailChanges, accounts, erasure, storage }: LifecycleDeps,
) {
  async function changeStatus(caller: SignedInCaller, id: string, { status, event, from }: Transition, reason?: string) {
    const user = await useCases.run(caller, async (tx, emit) => {
      const target = await actionableUser(tx, caller.principal, id);
      if (status !== 'ACTIVE') await assertMayRemove(tx, caller.principal, target.id);
      // The status it changes from is read locked (after the super-admin check's lock, in the order every path takes them):
      // two changes at once go one after the other, the second from what the first left (a deactivated user is not suspended).
      const before = await queries.lockUser(tx, target.id);
      if (!before) throw errors.USER_NOT_FOUND();
      if (before.status !== status && !from.includes(before.status)) throw errors.USER_STATUS_CONFLICT(refusalFrom[before.status]);
      const values = {
        status,
        statusReason: status === 'ACTIVE' ? null : (reason ?? null),
        deletedAt: status === 'INACTIVE' ? new Date() : null,
      };
      return applyUserChange(tx, emit, before, values, event);
    });
    return userView(user);
  }

  return {
    /** POST /users: an administrator makes an account (without a password, its owner is invited to choose one). */
    async createByAdmin(caller: SignedInCaller, body: CreateUser) {
      const { principal } = caller;
      const organizationId = placementFor(principal, body.organizationId ?? undefined, errors.ORGANIZATION_NOT_ALLOWED);
      if (body.temporary && !body.password)
        throw httpErrors.VALIDATION_FAILED({ errors: [{ path: '/temporary', message: 'needs a password' }] });
      if (body.phoneVerified && !body.phone)
        throw httpErrors.VALIDATION_FAILED({ errors: [{ path: '/phoneVerified', message: 'needs a phone number' }] });
      const { firstName = '', lastName = '' } = withNameSplit(body);
      if (body.password) assertPasswordAcceptable(body.password, config.PASSWORD_MIN_LENGTH, { ...body, firstName, lastName });
      const passwordHash = body.password ? await hashPassword(body.password) : null;
      const { user } = await useCases.run(caller, (tx, emit) =>
        accounts.create(tx, emit, {
          source: 'admin',
          email: body.email,
          username: body.username ?? null,
          phone: body.phone ?? null,
          phoneVerified: body.phoneVerified === true,
          firstName,
          lastName,
          organizationId,
          userTypeId: body.userTypeId ?? null,
          passwordHash,
          passwordChangeRequired: body.temporary === true,
          roles: { names: body.roles, by: principal },
        }),
      );
      return userView(user);
    },

    /**
     * PUT and PATCH; people without users:write may change only their own self-editable fields. A new
     * address of one's own, or any with `confirm`, waits for confirmation; an administrator's is set at once.
     */
    async update(caller: SignedInCaller, id: string, body: PatchUser, options: { confirm?: boolean } = {}) {
      const { principal } = caller;
      const { currentPassword, profile, ...fields } = withNameSplit(body);
      const own = resolveUserId(principal, id) === principal.userId;
      if (own && !principal.permissions.has('users:write')) assertSelfEditable(body);
      // An organization change moves a user between tenants: only a cross-tenant actor names another.
      placementFor(principal, fields.organizationId, errors.ORGANIZATION_NOT_ALLOWED);
      if (own) {
        const current = await visibleUser(db, principal, id);
        assertIdentifierChangesAllowed(principal, current, fields);
        await emailChanges.assertStepUp(caller, current, fields.email, currentPassword);
      }
      const user = await useCases.run(caller, async (tx, emit) => {
        const target = await actionableUser(tx, principal, id);
        // Read locked (before its profile, in the order a person's own change takes them): changes at once go one after
        // the other, each from what the last left, so the same change again is no change and no second event.
        const before = await queries.lockUser(tx, target.id);
        if (!before) throw errors.USER_NOT_FOUND();
        assertIdentifierChangesAllowed(principal, before, fields);
        // A member whose default organization is another keeps it: the default is where their sign-ins, keys and
        // events act, so an administrator confined to one organization does not pull them into theirs.
        if (tenantOf(principal) !== undefined && fields.organizationId !== undefined && fields.organizationId !== before.organizationId)
          throw errors.ORGANIZATION_NOT_ALLOWED();
        if (profile) await saveProfile(tx, emit, before.id, profile);
        const pending = own || options.confirm === true ? newAddressOf(before, fields.email) : undefined;
        // A change of the profile alone leaves the user's row as it is.
        if (Object.keys(fields).length === 0) return before;
        if (pending === undefined) return applyUserChange(tx, emit, before, fields, 'user.updated');
        const { email: _pending, ...others } = fields;
        const changed = Object.keys(others).length > 0 ? await applyUserChange(tx, emit, before, others, 'user.updated') : before;
        return emailChanges.request(tx, emit, caller, changed, pending);
      });
      return userView(user);
    },

    suspend: (caller: SignedInCaller, id: string, reason?: string) => changeStatus(caller, id, transitions.suspend, reason),
    activate: (caller: SignedInCaller, id: string) => changeStatus(caller, id, transitions.activate),
    deactivate: (caller: SignedInCaller, id: string) => changeStatus(caller, id, transitions.deactivate),
    restore: (caller: SignedInCaller, id: string) => changeStatus(caller, id, transitions.restore),

    /**
     * GDPR erasure: the row and everything it owns go, and every other module's part erases what names the person
     * (audit payloads, webhook deliveries); the trail keeps that it happened, by id, and how many rows were erased.
     * Their avatar's files go once that is committed (a failed erasure keeps the picture its profile still names).
     */
    async erase(caller: SignedInCaller, id: string) {
      await useCases.run(caller, async (tx, emit) => {
        const user = await actionableUser(tx, caller.principal, id);
        await assertMayRemove(tx, caller.principal, user.id);
        const avatar = storedAvatarKeys((await queries.findProfile(tx, user.id))?.avatarUrl);
        if (!(await queries.deleteUser(tx, user.id))) throw errors.USER_NOT_FOUND();
        if (avatar.length > 0) {
          useCases.whenCommitted(async () => {
            for (const key of avatar) await storage.remove(key);
          });
        }
        const erasedRows = await erasure.eraseRecordsOf(tx, user);
        await emit({ type: 'user.erased', entityId: user.id, organizationId: user.organizationId, payload: { erasedRows } });
      });
    },

    /**
     * `tessera create-admin` and the bootstrap admin: an active, verified user holding the super-admin role. The
     * password policy is applied here as well as by each caller's early check, so no future door skips it.
     */
    async createSuperAdmin(caller: Caller, input: { email: string; password: string }) {
      const email = normalizeEmail(input.email);
      assertPasswordAcceptable(input.password, config.PASSWORD_MIN_LENGTH, { email });
      const passwordHash = await hashPassword(input.password);
      return useCases.run(caller, async (tx, emit) => {
        if (await queries.findUserByEmail(tx, email))
          throw httpErrors.EMAIL_ALREADY_EXISTS(`A user with the email ${email} already exists.`);
        const { user } = await accounts.create(tx, emit, {
          source: 'admin',
          email,
          passwordHash,
          emailVerified: true,
          roles: 'super-admin',
          via: 'create-admin',
        });
        return userView(user);
      });
    },
  };
}
