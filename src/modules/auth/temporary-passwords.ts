import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { assertPasswordAcceptable } from '../../platform/password-policy.js';
import { hashPassword } from '../../platform/passwords.js';
import { assertNotApiKey } from '../access/service.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import { verifyStoredPassword } from './foreign-hashes.js';
import { isStillBound, type LinkBinding } from './one-time-links.js';
import * as queries from './queries.js';
import { sha256 } from './secrets.js';
import { mayHoldSession, type SignInPipeline } from './sign-in.js';

/**
 * How the interrupted sign-in was proven (a passkey, a provider, a password and its second factor): the sign-in
 * the new password finishes keeps it. A token that does not say (issued before it did) came from a password.
 */
function provenBy(data: unknown): string[] {
  const amr = (data as { amr?: unknown } | null)?.amr;
  return Array.isArray(amr) && amr.length > 0 && amr.every((method) => typeof method === 'string') ? amr : ['pwd'];
}

/**
 * Temporary passwords, done as Keycloak does them: an administrator sets one (and never learns
 * the password that replaces it); its sign-in hands out only a change token (the pipeline's passwordChange step, sign-in.ts); the change
 * token and a new, different password finish the sign-in.
 */
export function createTemporaryPasswords(kit: Pick<AuthKit, 'context' | 'mail' | 'useCases' | 'users'>, signIn: SignInPipeline) {
  const { config } = kit.context;
  const { useCases } = kit;

  return {
    /** PUT /users/:id/password: every session of the user ends; a temporary one must be replaced at the next sign-in. */
    async setPassword(caller: SignedInCaller, id: string, input: { password: string; temporary?: boolean }) {
      const passwordHash = await hashPassword(input.password);
      const temporary = input.temporary === true;
      assertNotApiKey(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.actionableUser(tx, caller.principal, id);
        assertPasswordAcceptable(input.password, config.PASSWORD_MIN_LENGTH, user);
        await kit.users.setPasswordHash(tx, user.id, passwordHash, temporary);
        await queries.revokeUserSessions(tx, user.id, 'password_set_by_admin');
        if (!temporary) await kit.mail.enqueue(tx, { to: user.email, template: 'passwordChanged', data: {}, userId: user.id });
        await emit({ type: 'auth.password_set_by_admin', entityId: user.id, organizationId: user.organizationId, payload: { temporary } });
      });
    },

    /**
     * POST /auth/change-password with a change token: the temporary password gives way to the user's own,
     * and the sign-in it interrupted completes, proven as it was. A refused new password leaves the token usable.
     */
    async replaceTemporaryPassword(caller: Caller, input: { changeToken: string; newPassword: string }) {
      const passwordHash = await hashPassword(input.newPassword);
      return useCases.run(caller, async (tx, emit) => {
        const consumed = await queries.consumeOneTimeToken(tx, sha256(input.changeToken), ['PASSWORD_CHANGE']);
        const user = consumed ? await kit.users.findById(tx, consumed.userId) : undefined;
        const stillBound = user && consumed && isStillBound(user, consumed.purpose, consumed.data as Partial<LinkBinding> | null);
        if (!stillBound || !user.passwordChangeRequired || !mayHoldSession(kit, user)) throw errors.INVALID_CHANGE_TOKEN();
        assertPasswordAcceptable(input.newPassword, config.PASSWORD_MIN_LENGTH, user, 'newPassword');
        if (await verifyStoredPassword(user.passwordHash ?? '', input.newPassword)) {
          throw errors.PASSWORD_UNCHANGED({ errors: [{ path: '/newPassword', message: 'must differ from the temporary password' }] });
        }
        await kit.users.setPasswordHash(tx, user.id, passwordHash);
        await emit({ type: 'auth.temporary_password_replaced', entityId: user.id, actorId: user.id });
        const replaced = { ...user, passwordHash, passwordChangeRequired: false };
        return signIn.complete(tx, replaced, { via: 'temporaryPassword', amr: provenBy(consumed.data), caller, emit });
      });
    },
  };
}
