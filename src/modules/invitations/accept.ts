import { httpErrors } from '../../http/errors.js';
import type { Caller } from '../../platform/caller.js';
import { assertPasswordAcceptable, type PasswordOwner } from '../../platform/password-policy.js';
import { hashPassword } from '../../platform/passwords.js';
import { assertNotApiKey, deferredGrants } from '../access/service.js';
import { organizationErrors } from '../organizations/errors.js';
import { memberships } from '../organizations/service.js';
import type { UserRow } from '../users/service.js';
import type { InvitationsKit } from './deps.js';
import { invitationErrors as errors } from './errors.js';
import { tokenHash } from './mails.js';
import * as queries from './queries.js';
import type { AcceptInvitation } from './schemas.js';

/** How and when the signed-in caller's session was proven. */
function provenBy(caller: Caller) {
  const authTime = caller.principal?.authTime;
  return { amr: caller.principal?.amr ?? ['session'], ...(authTime === undefined ? {} : { authTime: new Date(authTime * 1000) }) };
}

/**
 * The invitee's side, on public routes: what a sign-up page needs to know, and acceptance. Acceptance
 * makes the account (its email proven, since the mail reached it) or, for an address that has one, needs
 * that account signed in; what the invitation grants is applied in the one transaction (its roles and
 * permissions within the organization; its plan to an account it makes), and the answer is the login's token pair.
 */
export function createAcceptance(kit: Pick<InvitationsKit, 'auth' | 'context' | 'organizations' | 'subscriptions' | 'useCases' | 'users'>) {
  const { useCases, auth, subscriptions, organizations } = kit;
  const { config, database } = kit.context;
  const db = database.primary;

  async function usable(token: string) {
    const hash = tokenHash(token);
    const invitation = await queries.findUsable(db, hash, new Date());
    if (!invitation) throw errors.INVALID_INVITATION();
    const account = invitation.userId ? await kit.users.findById(db, invitation.userId) : await kit.users.findByEmail(db, invitation.email);
    return { hash, invitation, account };
  }

  /**
   * The password of a new account, or of one that never had one (made by an admin, imported, federated): it must
   * not be what the account is known by (an existing account keeps its own names, a new one takes those given).
   */
  async function chosenPassword(input: AcceptInvitation, owner: PasswordOwner) {
    if (!input.password)
      throw httpErrors.VALIDATION_FAILED({ errors: [{ path: '/password', message: 'is required to set up the account' }] });
    assertPasswordAcceptable(input.password, config.PASSWORD_MIN_LENGTH, owner);
    return hashPassword(input.password);
  }

  return {
    async lookup(token: string) {
      const { invitation, account } = await usable(token);
      const organization = await organizations.summary(db, invitation.organizationId);
      return {
        // Its brand is for Tessera's own invitation page (the API's answer shows the name only).
        organization: organization ? { name: organization.name, brand: organization.brand } : null,
        email: invitation.email,
        expiresAt: invitation.expiresAt.toISOString(),
        accountExists: Boolean(account?.passwordHash),
      };
    },

    async accept(caller: Caller, input: AcceptInvitation) {
      // Acceptance answers a session of the person: an API key's holder or support acting as them would come away
      // with one (beyond the key's scopes, past the impersonation's end, ahead of a temporary password's replacement).
      if (caller.principal) assertNotApiKey(caller.principal);
      const { hash, invitation, account } = await usable(input.token);
      const signedInAs = caller.principal?.userId;
      if (signedInAs && signedInAs !== account?.id) throw errors.INVITATION_FOR_ANOTHER_ACCOUNT();
      if (!signedInAs && account?.passwordHash) throw errors.SIGN_IN_TO_ACCEPT();
      // A set-password invitation sets up an account where it is; an organization's invitation adds a
      // membership (a person may belong to several), and makes it the default one of a person in none.
      const target = invitation.purpose === 'JOIN_ORGANIZATION' ? invitation.organizationId : null;
      const passwordHash = signedInAs ? undefined : await chosenPassword(input, account ?? { ...input, email: invitation.email });

      return useCases.run(caller, async (tx, emit) => {
        const now = new Date();
        if (!(await queries.claim(tx, invitation.id, hash, now))) throw errors.INVALID_INVITATION();
        const existing = account ? await kit.users.findById(tx, account.id) : undefined;
        let user: UserRow;
        if (existing) {
          if (target && (await memberships.isMember(tx, target, existing.id))) throw organizationErrors.ALREADY_A_MEMBER();
          if (passwordHash) {
            // The invitation reached the mailbox and sets the password: at the address's first proof the account is
            // claimed from whoever held it unproven (a provider that does not verify addresses signed them up), and
            // what they added to it goes, before the sign-in answered below.
            await kit.users.setPasswordHash(tx, existing.id, passwordHash);
            await auth.markAddressProven(tx, emit, existing, 'invitation');
          } else {
            // Signed in: the account's own holder proves its mailbox.
            await kit.users.markEmailVerified(tx, existing.id);
          }
          if (target && !existing.organizationId)
            await kit.users.join(tx, emit, existing, {
              organizationId: target,
              ...(invitation.userTypeId ? { userTypeId: invitation.userTypeId } : {}),
            });
          user = existing;
        } else {
          // Its address is proven: the invitation reached it. Without pre-assigned roles a new account gets
          // the preset's default role, as a sign-up would.
          ({ user } = await kit.users.create(tx, emit, {
            source: 'invitation',
            email: invitation.email,
            passwordHash: passwordHash ?? null,
            firstName: input.firstName ?? '',
            lastName: input.lastName ?? '',
            organizationId: target,
            userTypeId: invitation.userTypeId,
            emailVerified: true,
            roles: invitation.roleIds.length ? 'none' : {},
            via: 'invitation',
          }));
        }
        const scope = target ?? existing?.organizationId ?? null;
        const roles = await deferredGrants.apply(tx, emit, user.id, invitation, invitation.invitedBy, scope);
        if (target) {
          const membership = {
            organizationId: target,
            userId: user.id,
            invitedBy: invitation.invitedBy,
            roles,
            via: 'invitation' as const,
          };
          await organizations.members.join(tx, emit, membership);
        }
        // A plan is the account's, in every organization: the invitation starts it for the account it makes. An existing
        // account keeps its own, which only whoever may change that account changes (PUT /users/:id/subscription): the
        // inviter, an administrator of this organization, may hold no power over it (another organization's admin).
        if (invitation.plan && !existing) await subscriptions.startPlan(tx, emit, { id: user.id, organizationId: target }, invitation.plan);
        await queries.setAcceptedBy(tx, invitation.id, user.id);
        await emit({
          type: 'invitation.accepted',
          entityId: invitation.id,
          organizationId: invitation.organizationId,
          actorId: user.id,
          payload: { userId: user.id, newAccount: !existing },
        });
        // The session that accepted is replaced by the new one.
        if (caller.principal?.sessionId) await auth.sessions.revokeInUseCase(tx, emit, caller.principal.sessionId, 'invitation_accepted');
        const signedIn = (await kit.users.findById(tx, user.id)) as UserRow;
        // A suspended or deactivated account does not get in through an invitation; nothing is kept.
        if (!auth.mayHoldSession(signedIn)) throw errors.INVALID_INVITATION();
        // A signed-in person carries how and when their session was proven: a second factor already given is not
        // asked again, one missing is asked like at any sign-in (the pipeline's second step and enrolment), and the
        // new session is as old as that proof, so an old session does not come away as a fresh sign-in (step-up, max_age).
        const proven = passwordHash ? { amr: ['pwd'] } : provenBy(caller);
        return auth.signIn.complete(tx, signedIn, { via: 'invitation', ...proven, identifier: signedIn.email, caller, emit });
      });
    },
  };
}
