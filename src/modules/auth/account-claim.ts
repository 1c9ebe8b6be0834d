import type { Executor } from '../../db/client.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent } from '../events.js';
import type { UserRow } from '../users/service.js';
import type { AuthKit } from './deps.js';
import * as queries from './queries.js';

/** The links that set an account's password from its mailbox: a reset (or set-password) link, an invitation. */
export type ClaimedVia = 'password_reset' | 'invitation';

/**
 * Account pre-hijacking: while nobody has proven the mailbox of an account's address (no verification is required
 * by default), whoever made or held the account may have added ways in to it. The first proof of that mailbox by a
 * link that sets the password hands the account to the mailbox's owner; what was added before does not outlive it.
 */
export function createAccountClaims(kit: Pick<AuthKit, 'users'>) {
  return {
    /**
     * In the use case of a link that reached the account's mailbox and sets its password: the address is proven.
     * When it was not before, the account is claimed (`auth.account_claimed`): every session ends and every API key
     * is revoked here, and each module removes its part in reaction in the same transaction (second factors,
     * recovery codes, passkeys and remembered browsers; linked identities; what applications hold). True when it
     * was that first proof. A person who set up their own account before proving its address loses the same: who
     * held it cannot be told apart.
     */
    async markAddressProven(tx: Executor, emit: Emit<DomainEvent>, user: Pick<UserRow, 'id' | 'organizationId'>, via: ClaimedVia) {
      if (!(await kit.users.markEmailVerified(tx, user.id))) return false;
      const sessions = await queries.revokeUserSessions(tx, user.id, 'account_claimed');
      for (const key of await queries.revokeApiKeysOfUser(tx, user.id)) {
        await emit({ type: 'auth.api_key_revoked', entityId: key.id, actorId: user.id });
      }
      const target = { entityId: user.id, organizationId: user.organizationId, actorId: user.id };
      await emit({ type: 'auth.account_claimed', ...target, payload: { via, sessions } });
      return true;
    },
  };
}

export type AccountClaims = ReturnType<typeof createAccountClaims>;
