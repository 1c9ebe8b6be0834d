import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { assertPasswordAcceptable } from '../../platform/password-policy.js';
import { hashPassword, verifyPassword } from '../../platform/passwords.js';
import { createTimingPad } from '../../platform/timing-pad.js';
import { assertNotApiKey } from '../access/service.js';
import type { AccountClaims } from './account-claim.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import type { OneTimeLinks } from './one-time-links.js';
import * as queries from './queries.js';
import type { SignIn } from './sign-in.js';

/** Forgotten, reset and changed passwords. A new password ends the other sessions of its user. */
export function createPasswordFlows(
  kit: Pick<AuthKit, 'context' | 'dummyHash' | 'mail' | 'throttle' | 'useCases' | 'users'>,
  links: OneTimeLinks,
  attempts: Pick<SignIn, 'admitAttempt' | 'clearFailures'>,
  claims: AccountClaims,
) {
  const { config, database } = kit.context;
  const { useCases, throttle } = kit;
  // An account's answer writes a link, a mail and an audit row, an unknown address's nothing: both wait
  // for the slowest recent request, after the transaction.
  const forgotPasswordTime = createTimingPad();

  return {
    /**
     * Only an active account gets the mail, at the address it signs in with (never one waiting for
     * confirmation); the answer is the same for every address.
     */
    async forgotPassword(caller: Caller, email: string) {
      await forgotPasswordTime.pad(() =>
        useCases.run(caller, async (tx, emit) => {
          const user = await kit.users.findByEmail(tx, email);
          if (user?.status !== 'ACTIVE') return;
          await links.mailUnderCap(tx, user, 'resetPassword', async () => ({
            url: await links.create(tx, user, { purpose: 'PASSWORD_RESET', ttlMs: config.RESET_TOKEN_TTL, path: '/reset-password' }),
            minutes: Math.round(config.RESET_TOKEN_TTL / 60_000),
          }));
          await emit({ type: 'auth.password_reset_requested', entityId: user.id, actorId: user.id });
        }),
      );
    },

    /**
     * A reset link, or the set-password link of an account made without one. The first proof of an unverified
     * address also claims the account: what was added to it before goes (account-claim.ts).
     */
    async resetPassword(caller: Caller, input: { token: string; password: string }) {
      const passwordHash = await hashPassword(input.password);
      await useCases.run(caller, async (tx, emit) => {
        const { user } = await links.consume(tx, input.token, ['PASSWORD_RESET', 'SET_PASSWORD']);
        // Refused, the transaction rolls back and the link stays usable for a better password.
        assertPasswordAcceptable(input.password, config.PASSWORD_MIN_LENGTH, user);
        await kit.users.setPasswordHash(tx, user.id, passwordHash);
        // The link reached the mailbox, so the address is proven too (links are bound to the address they went to).
        await claims.markAddressProven(tx, emit, user, 'password_reset');
        await queries.revokeUserSessions(tx, user.id, 'password_reset');
        await kit.mail.enqueue(tx, { to: user.email, template: 'passwordChanged', data: {}, userId: user.id });
        // Its owner is back in: failed guesses against the account no longer hold them up.
        const identifiers = [user.email, ...(user.username ? [user.username] : [])].map((identifier) => ({ identifier }));
        useCases.whenCommitted(() => throttle.clear(caller.ipAddress, ...identifiers, { accountId: user.id }));
        await emit({ type: 'auth.password_reset', entityId: user.id, actorId: user.id });
      });
    },

    /** Every other session of the user ends; the one asking stays signed in. */
    async changePassword(caller: SignedInCaller, input: { currentPassword: string; newPassword: string }) {
      const { principal } = caller;
      assertNotApiKey(principal);
      const user = await kit.users.findById(database.primary, principal.userId);
      if (!user) throw errors.INVALID_CREDENTIALS();
      // A session is no licence to guess its password: each try counts as one at sign-in does.
      await attempts.admitAttempt(caller, { identifier: user.email, userId: user.id });
      if (!(await verifyPassword(user.passwordHash ?? kit.dummyHash, input.currentPassword))) {
        throw errors.WRONG_CURRENT_PASSWORD({ errors: [{ path: '/currentPassword', message: 'is wrong' }] });
      }
      await attempts.clearFailures(caller, { identifier: user.email, userId: user.id });
      assertPasswordAcceptable(input.newPassword, config.PASSWORD_MIN_LENGTH, user, 'newPassword');
      const passwordHash = await hashPassword(input.newPassword);
      await useCases.run(caller, async (tx, emit) => {
        await kit.users.setPasswordHash(tx, user.id, passwordHash);
        await queries.revokeUserSessions(tx, user.id, 'password_changed', principal.sessionId ?? undefined);
        await kit.mail.enqueue(tx, { to: user.email, template: 'passwordChanged', data: {}, userId: user.id });
        await emit({ type: 'auth.password_changed', entityId: user.id, actorId: user.id });
      });
    },
  };
}
