import type { Executor, Tx } from '../../db/client.js';
import { violatedUniqueConstraint } from '../../db/errors.js';
import { AppError } from '../../http/errors.js';
import type { Emit } from '../../platform/use-case.js';
import { authErrors } from '../auth/errors.js';
import type { DomainEvent } from '../events.js';
import type { UserRow } from '../users/service.js';
import type { FederationKit } from './deps.js';
import { federationErrors as errors } from './errors.js';
import type { ExternalIdentity } from './presets.js';
import type { Provider } from './providers.js';
import * as queries from './queries.js';

/** A sign-in refused for a reason the audit trail records against the account it was about, when known. */
export class Refusal extends Error {
  constructor(
    readonly error: AppError,
    readonly userId: string | null = null,
  ) {
    super(error.message);
  }
}

/** What a sign-in with an identity comes to, decided before anything is written. */
export type SignInDecision =
  | { outcome: 'signs_in'; user: UserRow; identityId: string }
  | { outcome: 'links_by_email'; user: UserRow }
  | { outcome: 'creates_account'; email: string };

/** allowedDomains holds only for an address the provider verified: anyone can type any address. */
export function assertDomainAllowed(provider: Provider, identity: ExternalIdentity) {
  if (provider.allowedDomains.length === 0) return;
  const domain = identity.email?.split('@')[1];
  if (!identity.emailVerified || !domain || !provider.allowedDomains.includes(domain)) throw errors.EMAIL_DOMAIN_NOT_ALLOWED();
}

/**
 * A link asked for by a signed-in person goes only to an account whose address is proven: an identity is a way in that
 * a password reset leaves, so one added by whoever held the account unproven would outlast the mailbox owner's reset.
 */
export async function assertMayLinkTo(users: FederationKit['users'], db: Executor, userId: string) {
  const user = await users.findById(db, userId);
  if (!user) throw authErrors.SESSION_ENDED();
  users.assertAddressProven(user);
}

/**
 * Who an identity signs in as: the account it is linked to; else the account with its address when both
 * sides verified that address (linked now, audited); else a new account, if the provider may create
 * them. Any other collision is refused: a provider that does not verify addresses must not open an
 * account that someone else owns.
 */
export function createAccountResolution(kit: Pick<FederationKit, 'users' | 'useCases'>) {
  async function createAccount(tx: Tx, emit: Emit<DomainEvent>, identity: ExternalIdentity & { email: string }) {
    try {
      // A savepoint: a registration of the same address that won the race leaves this transaction usable.
      return await kit.useCases.savepoint(tx, (savepoint) =>
        kit.users.create(savepoint, emit, {
          source: 'federation',
          email: identity.email,
          firstName: identity.firstName,
          lastName: identity.lastName,
          emailVerified: identity.emailVerified,
          profile: { avatarUrl: identity.avatarUrl?.slice(0, 500) ?? null },
          roles: {},
        }),
      );
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'users_email_unique') throw new Refusal(errors.ACCOUNT_EXISTS_LINK_REQUIRED());
      throw error;
    }
  }

  /**
   * What a sign-in with this identity does, read without writing: the account it is linked to, the account
   * its verified address links to, or a new account; a refusal is thrown as the sign-in would throw it.
   */
  async function decide(executor: Executor, provider: Provider, identity: ExternalIdentity): Promise<SignInDecision> {
    assertDomainAllowed(provider, identity);
    const known = await queries.findIdentity(executor, provider.slug, identity.subject);
    const linkedUser = known && (await kit.users.findById(executor, known.userId));
    if (known && linkedUser) return { outcome: 'signs_in', user: linkedUser, identityId: known.id };
    const owner = identity.email ? await kit.users.findByEmail(executor, identity.email) : undefined;
    if (owner) {
      if (!identity.emailVerified || !owner.emailVerifiedAt) throw new Refusal(errors.ACCOUNT_EXISTS_LINK_REQUIRED(), owner.id);
      return { outcome: 'links_by_email', user: owner };
    }
    if (!provider.signUpEnabled) throw errors.SIGN_UP_DISABLED();
    if (!identity.email) throw errors.PROVIDER_EMAIL_MISSING();
    return { outcome: 'creates_account', email: identity.email };
  }

  return {
    decide,

    async resolveSignIn(tx: Tx, emit: Emit<DomainEvent>, provider: Provider, identity: ExternalIdentity): Promise<UserRow> {
      const decision = await decide(tx, provider, identity);
      if (decision.outcome === 'signs_in') {
        await queries.touchIdentity(tx, decision.identityId, { email: identity.email, emailVerified: identity.emailVerified });
        return decision.user;
      }
      if (decision.outcome === 'links_by_email') {
        const owner = decision.user;
        const linked = await queries.insertIdentity(tx, {
          ...identityFields(provider.slug, identity),
          userId: owner.id,
          lastSignInAt: new Date(),
        });
        await emit({
          type: 'identity.linked',
          entityId: owner.id,
          actorId: owner.id,
          payload: { provider: provider.slug, identityId: linked.id, automatic: true },
        });
        return owner;
      }
      const { email } = decision;
      const { user, roles } = await createAccount(tx, emit, { ...identity, email });
      await queries.insertIdentity(tx, { ...identityFields(provider.slug, identity), userId: user.id, lastSignInAt: new Date() });
      await emit({
        type: 'federation.registered',
        entityId: user.id,
        actorId: user.id,
        payload: { provider: provider.slug, email, emailVerified: identity.emailVerified, roles },
      });
      return user;
    },

    /** A link asked for by a signed-in user: refused when the identity already belongs to someone else. */
    async assertLinkable(tx: Tx, provider: Provider, identity: ExternalIdentity, userId: string) {
      assertDomainAllowed(provider, identity);
      const known = await queries.findIdentity(tx, provider.slug, identity.subject);
      if (known && known.userId !== userId) throw new Refusal(errors.IDENTITY_ALREADY_LINKED(), userId);
    },
  };
}

export const identityFields = (provider: string, identity: { subject: string; email: string | null; emailVerified: boolean }) => ({
  provider,
  subject: identity.subject,
  email: identity.email,
  emailVerified: identity.emailVerified,
});

/** Why a sign-in was refused and about whom, whatever was thrown (a Refusal, or a plain catalogue error). */
export const refusalOf = (error: unknown): Refusal | undefined =>
  error instanceof Refusal ? error : error instanceof AppError ? new Refusal(error) : undefined;
