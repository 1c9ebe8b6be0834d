import type { Executor } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent } from '../events.js';
import { userErrors as errors } from './errors.js';
import * as queries from './queries.js';
import { normalizeEmail } from './records.js';
import type { StepUp } from './step-up.js';

/** An address change that is not the same address again, or undefined. */
export function newAddressOf(user: queries.UserRow, email: string | undefined) {
  if (email === undefined) return undefined;
  const normalized = normalizeEmail(email);
  return normalized === user.email ? undefined : normalized;
}

/**
 * A changed address is pending until confirmed (OWASP ASVS V2.5, Supabase's secure email change): the
 * account keeps signing in, and receiving resets, at the address it has until the new one is proven from
 * the link mailed to it, and the old one can undo it. Auth mails the links and ends sessions; users keeps
 * the addresses.
 */
export function createEmailChanges(stepUp: StepUp) {
  return {
    /**
     * Before any write, when people change their own address: their password, or a recent sign-in. A
     * stolen session alone cannot re-address the account.
     */
    async assertStepUp(caller: SignedInCaller, user: queries.UserRow, email: string | undefined, currentPassword: string | undefined) {
      if (newAddressOf(user, email) === undefined) return;
      const verdict = await stepUp.verdict(caller, user, currentPassword);
      if (verdict === 'ok') return;
      const message = verdict === 'wrong' ? 'is wrong' : 'is required to change your email';
      throw errors.REAUTHENTICATION_REQUIRED({ errors: [{ path: '/currentPassword', message }] });
    },

    /**
     * Records the new address as pending. One taken by another account (as its email or pending one) is
     * recorded the same, so the answer tells nothing, and can never complete.
     */
    async request(tx: Executor, emit: Emit<DomainEvent>, caller: SignedInCaller, user: queries.UserRow, pending: string) {
      const claimable = !(await queries.addressClaimedByOther(tx, pending, user.id));
      const after = await queries.updateUser(tx, user.id, { pendingEmail: pending });
      if (!after) throw errors.USER_NOT_FOUND();
      await emit({
        type: 'user.email_change_requested',
        entityId: user.id,
        organizationId: user.organizationId,
        payload: { before: user.email, pending, claimable, sessionId: caller.principal.sessionId },
      });
      return after;
    },
  };
}

export type EmailChanges = ReturnType<typeof createEmailChanges>;

/**
 * What the auth module does to an account's address from a mailed link: always in the link's use case.
 * Each answers undefined when the link no longer fits (the change was replaced, the address was taken).
 */
export const addressChanges = {
  /** The link sent to the pending address was followed: it becomes the account's, proven. */
  async confirm(tx: Executor, emit: Emit<DomainEvent>, user: queries.UserRow, address: string) {
    if (user.pendingEmail !== address || (await emailOfAnother(tx, address, user.id))) return undefined;
    return swap(tx, emit, user, address, 'confirmed');
  },

  /** "This wasn't me", from the old address: a pending change is cancelled, a confirmed one undone. */
  async restore(tx: Executor, emit: Emit<DomainEvent>, user: queries.UserRow, address: string) {
    if (user.email === address) {
      if (user.pendingEmail === null) return user;
      const after = await queries.updateUser(tx, user.id, { pendingEmail: null });
      await emit({
        type: 'user.email_change_cancelled',
        entityId: user.id,
        organizationId: user.organizationId,
        payload: { pending: user.pendingEmail },
      });
      return after;
    }
    // Taken by someone else since it was given up: the account cannot have it back.
    if (await emailOfAnother(tx, address, user.id)) return undefined;
    return swap(tx, emit, user, address, 'restored');
  },
};

const emailOfAnother = async (tx: Executor, address: string, userId: string) => {
  const holder = await queries.findUserByEmail(tx, address);
  return holder !== undefined && holder.id !== userId;
};

/** The account's address becomes one just proven by a mailed link. */
async function swap(tx: Executor, emit: Emit<DomainEvent>, user: queries.UserRow, address: string, how: 'confirmed' | 'restored') {
  const after = await queries.updateUser(tx, user.id, { email: address, pendingEmail: null, emailVerifiedAt: new Date() });
  if (!after) return undefined;
  const target = { entityId: user.id, organizationId: user.organizationId };
  await emit({ type: 'user.email_changed', ...target, payload: { before: user.email, after: address, how } });
  return after;
}
