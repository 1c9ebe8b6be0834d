import type { Executor, Tx } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { isoOrNull } from '../../platform/dates.js';
import type { Emit } from '../../platform/use-case.js';
import { assertNotApiKey } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import type { FederationKit } from './deps.js';
import { federationErrors as errors } from './errors.js';
import * as queries from './queries.js';
import type { IdentityView } from './schemas.js';

export const identityView = (row: queries.IdentityRow): IdentityView => ({
  id: row.id,
  provider: row.provider,
  email: row.email,
  emailVerified: row.emailVerified,
  createdAt: row.createdAt.toISOString(),
  lastSignInAt: isoOrNull(row.lastSignInAt),
});

const listOf = async (executor: Executor, userId: string) => (await queries.identitiesOfUser(executor, userId)).map(identityView);

/** A user's linked identities: their own list and unlinking, an administrator's view and unlinking. */
export function createIdentities(kit: Pick<FederationKit, 'context' | 'useCases' | 'users'>) {
  const { useCases, users } = kit;
  const db = kit.context.database.primary;

  // Account pre-hijacking: anyone may sign up through a provider with an address it does not verify (Facebook's,
  // any provider's `email_verified: false`). A password reset proves the mailbox, as a new password ends the other
  // sessions: the identity that brought that address unproven is no way in for the mailbox's owner, and goes.
  useCases.react(['auth.password_reset'], async (tx, event, { emit }) => {
    const user = event.entityId ? await users.findById(tx, event.entityId) : undefined;
    if (!user) return;
    for (const identity of await queries.deleteUnverifiedIdentitiesOfAddress(tx, user.id, user.email)) {
      await emit({ type: 'identity.unlinked', entityId: user.id, payload: { provider: identity.provider, identityId: identity.id } });
    }
  });
  // The first proof of the mailbox (a reset, an invitation accepted) claims an account nobody had proven: every
  // identity on it was linked by whoever held it unproven (one that brought the address, or any they added since,
  // their own address included), and none is a way in for the mailbox's owner.
  useCases.react(['auth.account_claimed'], async (tx, event, { emit }) => {
    if (!event.entityId) return;
    for (const identity of await queries.deleteIdentitiesOfUser(tx, event.entityId)) {
      await emit({
        type: 'identity.unlinked',
        entityId: event.entityId,
        payload: { provider: identity.provider, identityId: identity.id },
      });
    }
  });

  async function unlink(tx: Tx, emit: Emit<DomainEvent>, userId: string, id: string, keepOneWay: boolean) {
    // Locks the user's identities, so two unlinks at once cannot both leave the account without a way in.
    const held = await queries.lockIdentitiesOfUser(tx, userId);
    const identity = await queries.findIdentityOfUser(tx, userId, id);
    if (!identity) throw errors.IDENTITY_NOT_FOUND();
    const user = await kit.users.findById(tx, userId);
    if (keepOneWay && !user?.passwordHash && held.length <= 1) throw errors.LAST_SIGN_IN_METHOD();
    await queries.deleteIdentity(tx, identity.id);
    await emit({ type: 'identity.unlinked', entityId: userId, payload: { provider: identity.provider, identityId: identity.id } });
  }

  return {
    /** For users' `?include=identities` and the GDPR export, on the caller's executor. */
    listOf,
    list: (caller: SignedInCaller) => listOf(db, caller.principal.userId),

    /** The caller's own identity, unless it is their last way to sign in (no password, no other identity). */
    async unlinkOwn(caller: SignedInCaller, id: string) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, (tx, emit) => unlink(tx, emit, caller.principal.userId, id, true));
    },

    /**
     * An administrator may remove any identity of a user they may act on (the user keeps the password reset), in a
     * session of their own, as for the user's password and factors: not with an API key, not while impersonating.
     * Their own identity keeps the rule of `unlinkOwn`.
     */
    async unlinkOfUser(caller: SignedInCaller, userRef: string, id: string) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const user = await users.actionableUser(tx, caller.principal, userRef);
        await unlink(tx, emit, user.id, id, user.id === caller.principal.userId);
      });
    },
  };
}
