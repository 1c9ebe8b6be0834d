import type { Executor } from '../../db/client.js';
import type { Caller } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent } from '../events.js';
import type { UserRow } from '../users/service.js';
import type { AuthKit } from './deps.js';
import { DISPUTE_DAYS, DISPUTE_TTL_MS, type OneTimeLinks } from './one-time-links.js';
import * as queries from './queries.js';

/**
 * The links that hand an account to its mailbox's owner: a reset (or set-password) link, an invitation, and a
 * sign-up's "I did not sign up".
 */
export type ClaimedVia = 'password_reset' | 'invitation' | 'registration_dispute';

/**
 * Account pre-hijacking: while nobody has proven the mailbox of an account's address (no verification is required
 * by default), whoever made or held the account may have added ways in to it. The first proof of that mailbox by a
 * link that sets the password hands the account to the mailbox's owner; what was added before does not outlive it.
 */
export function createAccountClaims(kit: Pick<AuthKit, 'users'>) {
  /**
   * Every session ends and every API key is revoked here, and each module removes its part in reaction to
   * `auth.account_claimed` in the same transaction (second factors, recovery codes, passkeys and remembered
   * browsers; linked identities; what applications hold).
   */
  async function claim(tx: Executor, emit: Emit<DomainEvent>, user: Pick<UserRow, 'id' | 'organizationId'>, via: ClaimedVia) {
    const sessions = await queries.revokeUserSessions(tx, user.id, 'account_claimed');
    for (const key of await queries.revokeApiKeysOfUser(tx, user.id)) {
      await emit({ type: 'auth.api_key_revoked', entityId: key.id, actorId: user.id });
    }
    const target = { entityId: user.id, organizationId: user.organizationId, actorId: user.id };
    await emit({ type: 'auth.account_claimed', ...target, payload: { via, sessions } });
  }

  return {
    claim,
    /**
     * In the use case of a link that reached the account's mailbox and sets its password: the address is proven.
     * When it was not before, the account is claimed (`auth.account_claimed`). True when it was that first proof.
     * A person who set up their own account before proving its address loses the same: who held it cannot be told
     * apart.
     */
    async markAddressProven(tx: Executor, emit: Emit<DomainEvent>, user: Pick<UserRow, 'id' | 'organizationId'>, via: ClaimedVia) {
      if (!(await kit.users.markEmailVerified(tx, user.id))) return false;
      await claim(tx, emit, user, via);
      return true;
    },
  };
}

export type AccountClaims = ReturnType<typeof createAccountClaims>;

/**
 * "I did not sign up", from a sign-up's confirmation mail (valid DISPUTE_TTL, confirmed or not). The owner of the
 * mailbox may have confirmed the address by mistake, after which its taker could add a second factor their reset
 * would never get past: this link takes the account from the taker even then.
 */
export function createRegistrationDisputes(kit: Pick<AuthKit, 'mail' | 'useCases' | 'users'>, links: OneTimeLinks, claims: AccountClaims) {
  return {
    /**
     * POST /auth/dispute-registration: the address is proven, the taker's password, pending address change, links,
     * sessions, keys, factors and linked identities go, and a link to choose a password goes to the address.
     */
    async disputeRegistration(caller: Caller, token: string) {
      await kit.useCases.run(caller, async (tx, emit) => {
        const { user, binding } = await links.consume(tx, token, ['REGISTRATION_DISPUTE']);
        await kit.users.markEmailVerified(tx, user.id);
        await kit.users.setPasswordHash(tx, user.id, null);
        await kit.users.restoreAddress(tx, emit, user, binding.sentTo);
        await links.expireAllButStanding(tx, user.id);
        await claims.claim(tx, emit, user, 'registration_dispute');
        const owned = await kit.users.findById(tx, user.id);
        if (!owned) throw new Error(`user ${user.id} vanished within its own dispute`);
        const url = await links.create(tx, owned, { purpose: 'PASSWORD_RESET', ttlMs: DISPUTE_TTL_MS, path: '/reset-password' });
        const data = { url, days: DISPUTE_DAYS };
        await kit.mail.enqueue(tx, { to: owned.email, template: 'registrationDisputed', data, userId: user.id });
      });
    },
  };
}
