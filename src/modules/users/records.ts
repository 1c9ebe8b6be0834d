import type { Executor } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { Principal } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import {
  assertMayActOn,
  assertNotApiKey,
  assertNotImpersonating,
  assertNotLastSuperAdmin,
  inTenancy,
  resolveUserId,
  tenantOf,
} from '../access/service.js';
import type { DomainEvent } from '../events.js';
import { memberships } from '../organizations/service.js';
import { userErrors as errors } from './errors.js';
import type { UserChanges } from './events.js';
import * as queries from './queries.js';
import type { SelfUpdate } from './schemas.js';

type ProfileChanges = NonNullable<SelfUpdate['profile']>;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * The tenancy rule with memberships: an actor confined to an organization sees its members (whose default
 * organization it is, or who belong to it besides), and themselves.
 */
export async function inMemberTenancy(executor: Executor, principal: Principal, user: queries.UserRow) {
  if (user.id === principal.userId || inTenancy(principal, user.organizationId)) return true;
  const tenant = tenantOf(principal);
  return tenant !== undefined && (await memberships.isMember(executor, tenant, user.id));
}

/** The target user, or the same 404 whether it is missing or outside the actor's tenancy. */
export async function visibleUser(executor: Executor, principal: Principal, id: string) {
  const user = await queries.findUserById(executor, resolveUserId(principal, id));
  if (!user || !(await inMemberTenancy(executor, principal, user))) throw errors.USER_NOT_FOUND();
  return user;
}

/**
 * The target of an action on another account (a change, a status, a password, sessions, identities):
 * 404 outside the actor's tenancy, as a missing one; 403 when it holds access the actor does not.
 */
export async function actionableUser(executor: Executor, principal: Principal, id: string) {
  const user = await visibleUser(executor, principal, id);
  await assertMayActOn(executor, principal, user.id, 'account');
  return user;
}

/** Suspending, deactivating or erasing: never oneself, never the last super-admin. */
export async function assertMayRemove(executor: Executor, principal: Principal, userId: string) {
  if (userId === principal.userId) throw errors.CANNOT_TARGET_SELF();
  await assertNotLastSuperAdmin(executor, userId, queries.userConditions.active);
}

/**
 * A way in that outlives a password reset (a second factor, a passkey, an API key, a linked identity) is added only
 * once the account's address is proven. Before that, whoever holds the account may not own the mailbox; and whoever
 * takes the mailbox of an account whose holder added a factor to it would reset the password past that factor.
 */
export function assertAddressProven(user: Pick<queries.UserRow, 'emailVerifiedAt'>) {
  if (user.emailVerifiedAt === null) throw errors.EMAIL_NOT_VERIFIED();
}

/**
 * A new address is a credential change (a reset mailed to it takes the account): never made with an API key
 * or while impersonating. A new username or phone number, which one signs in or recovers with (a code goes to
 * the phone), is not made while impersonating either, nor by an API key on its own owner's account: a leaked
 * key would otherwise take the account. A key keeps changing them for the other users within its reach.
 */
export function assertIdentifierChangesAllowed(
  principal: Principal,
  before: Pick<queries.UserRow, 'id' | 'email' | 'username' | 'phone'>,
  change: { email?: string; username?: string | null; phone?: string | null },
) {
  if (change.email !== undefined && normalizeEmail(change.email) !== before.email) assertNotApiKey(principal);
  const changes = (field: 'username' | 'phone') => change[field] !== undefined && change[field] !== before[field];
  if (!changes('username') && !changes('phone')) return;
  if (before.id === principal.userId) assertNotApiKey(principal);
  else assertNotImpersonating(principal);
}

/** Fields whose change is recorded before → after in the audit trail. */
const audited = ['email', 'username', 'phone', 'firstName', 'lastName', 'organizationId', 'userTypeId', 'status', 'statusReason'] as const;

const phoneVerified = (user: queries.UserRow) => user.phoneVerifiedAt !== null;

function changesOf(before: queries.UserRow, after: queries.UserRow): UserChanges {
  const changed = audited.filter((key) => before[key] !== after[key]);
  const changes: UserChanges = Object.fromEntries(changed.map((key) => [key, { before: before[key], after: after[key] }]));
  if (phoneVerified(before) !== phoneVerified(after))
    changes.phoneVerified = { before: phoneVerified(before), after: phoneVerified(after) };
  return changes;
}

type ChangeEvent = 'user.updated' | 'user.self_updated' | 'user.suspended' | 'user.activated' | 'user.deactivated' | 'user.restored';

/**
 * Whether the phone is proven after a change: a new number is not, unless the change says it is (an
 * administrator's `phoneVerified`); `phoneVerified: false` takes the proof back. No number, no proof.
 */
function phoneVerification(before: queries.UserRow, phone: string | null | undefined, verified: boolean | undefined) {
  const number = phone === undefined ? before.phone : phone;
  const sameNumber = number === before.phone;
  if (verified === true && !number) {
    throw httpErrors.VALIDATION_FAILED({ errors: [{ path: '/phoneVerified', message: 'needs a phone number' }] });
  }
  if (verified === true) return { phoneVerifiedAt: (sameNumber && before.phoneVerifiedAt) || new Date() };
  if (verified === false || !sameNumber) return { phoneVerifiedAt: null };
  return {};
}

/**
 * Writes a change to a user read earlier in the same transaction, and emits it when something changed
 * (and `user.email_changed` when the address did: auth mails both addresses). Only an administrator sets
 * an address this way; a person's own change waits for confirmation (email-change.ts).
 */
export async function applyUserChange(
  tx: Executor,
  emit: Emit<DomainEvent>,
  before: queries.UserRow,
  { phoneVerified, ...values }: Partial<queries.NewUser> & { phoneVerified?: boolean },
  type: ChangeEvent,
) {
  const email = values.email === undefined ? undefined : normalizeEmail(values.email);
  const after = await queries.updateUser(tx, before.id, {
    ...values,
    ...(email === undefined ? {} : { email }),
    // A new address is unproven until its owner follows the link sent to it; it replaces any pending one.
    ...(email !== undefined && email !== before.email ? { emailVerifiedAt: null, pendingEmail: null } : {}),
    ...phoneVerification(before, values.phone, phoneVerified),
  });
  // Gone since it was read (erased by a racing request): the same 404, and nothing written.
  if (!after) throw errors.USER_NOT_FOUND();
  const changes = changesOf(before, after);
  if (Object.keys(changes).length === 0) return after;
  const target = { entityId: after.id, organizationId: after.organizationId };
  await emit({ type, ...target, payload: { changes } });
  if (after.email !== before.email)
    await emit({ type: 'user.email_changed', ...target, payload: { before: before.email, after: after.email, how: 'set_by_admin' } });
  return after;
}

/**
 * Writes the fields given and emits `type` naming those that changed (none changed: no event); `read` and
 * `write` are the owner's, so learning preferences are saved here through learning's port.
 */
export async function saveFields(
  emit: Emit<DomainEvent>,
  type: 'profile.updated' | 'learning_preferences.updated',
  userId: string,
  values: object,
  store: { read(): Promise<object | undefined>; write(): Promise<object> },
) {
  const previous: Record<string, unknown> = { ...(await store.read()) };
  const saved: Record<string, unknown> = { ...(await store.write()) };
  const fields = Object.keys(values).filter((key) => JSON.stringify(previous[key]) !== JSON.stringify(saved[key]));
  if (fields.length > 0) await emit({ type, entityId: userId, payload: { fields } });
}

/** A profile's change, whoever makes it (the person through PUT /users/profile, an administrator through PATCH /users/:id). */
export const saveProfile = (tx: Executor, emit: Emit<DomainEvent>, userId: string, values: ProfileChanges) =>
  saveFields(emit, 'profile.updated', userId, values, {
    read: () => queries.findProfile(tx, userId),
    write: () => queries.upsertProfile(tx, userId, values),
  });
