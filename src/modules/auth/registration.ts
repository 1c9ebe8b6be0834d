import type { Executor, Tx } from '../../db/client.js';
import { violatedUniqueConstraint } from '../../db/errors.js';
import type { Caller } from '../../platform/caller.js';
import { assertPasswordAcceptable } from '../../platform/password-policy.js';
import { hashPassword } from '../../platform/passwords.js';
import { createTimingPad } from '../../platform/timing-pad.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent } from '../events.js';
import { type NewAccount, normalizeEmail, type UserRow, withNameSplit } from '../users/service.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import type { OneTimeLinks } from './one-time-links.js';
import type { Registration } from './schemas.js';

/**
 * Self-service sign-up. The answer is the same 202 whatever happens, so it never tells whether an
 * account exists: a taken address gets its owner a mail instead (also when a parallel registration of
 * the same address won the race); a taken username or phone creates nothing and mails nobody, since
 * mailing their owner would let anyone who knows a username send mail to its owner.
 */
export function createRegistration(kit: Pick<AuthKit, 'context' | 'useCases' | 'users'>, links: OneTimeLinks) {
  const { config } = kit.context;
  // Creating an account writes more than telling an owner does (the user, profile, roles, a link, a mail):
  // both answers wait for the slowest recent sign-up, after the transaction (holding no connection).
  const signUpTime = createTimingPad();

  /** The new account, or nothing when one of its unique fields is taken (the savepoint keeps the transaction usable). */
  async function createUnlessTaken(tx: Tx, emit: Emit<DomainEvent>, account: NewAccount) {
    try {
      return await kit.useCases.savepoint(tx, (savepoint) => kit.users.create(savepoint, emit, account));
    } catch (error) {
      if (violatedUniqueConstraint(error) !== undefined) return undefined;
      throw error;
    }
  }

  async function tellOwner(tx: Executor, emit: Emit<DomainEvent>, owner: UserRow) {
    await links.mailUnderCap(tx, owner, 'accountExists', async () => ({ resetUrl: `${config.PUBLIC_URL}/forgot-password` }));
    await emit({ type: 'auth.register_existing_email', entityId: owner.id });
  }

  return {
    /** `language`: the one the person signed up in (the hosted page's), which their account keeps and their mails speak. */
    async register(caller: Caller, input: Registration, options: { language?: string } = {}) {
      if (!config.SELF_REGISTRATION) throw errors.REGISTRATION_CLOSED();
      const email = normalizeEmail(input.email);
      const { firstName = '', lastName = '' } = withNameSplit(input);
      assertPasswordAcceptable(input.password, config.PASSWORD_MIN_LENGTH, { email, username: input.username, firstName, lastName });
      // Hashed whether or not the address is taken, so every answer takes the same time.
      const passwordHash = await hashPassword(input.password);
      await signUpTime.pad(() =>
        kit.useCases.run(caller, async (tx, emit) => {
          const existing = await kit.users.findByEmail(tx, email);
          if (existing) {
            await tellOwner(tx, emit, existing);
            return;
          }
          // `user.created`, to which auth answers with the verification link.
          const created = await createUnlessTaken(tx, emit, {
            source: 'registration',
            email,
            passwordHash,
            firstName,
            lastName,
            username: input.username ?? null,
            phone: input.phone ?? null,
            ...(options.language ? { profile: { language: options.language } } : {}),
            roles: {},
          });
          if (!created) {
            const winner = await kit.users.findByEmail(tx, email);
            if (winner) await tellOwner(tx, emit, winner);
            return;
          }
          const { user, roles } = created;
          await emit({ type: 'auth.registered', entityId: user.id, actorId: user.id, payload: { email, roles } });
        }),
      );
    },
  };
}
