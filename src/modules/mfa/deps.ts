import type { AppContext } from '../../context.js';
import type { AuthService } from '../auth/service.js';
import type { DomainUseCases } from '../events.js';
import type { MailService } from '../mail/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import type { UsersService } from '../users/service.js';

/** The services of the modules wired before mfa: all it reaches of them. */
export interface MfaDeps {
  useCases: DomainUseCases;
  users: UsersService;
  organizations: OrganizationsService;
  auth: AuthService;
  mail: MailService;
}

export interface MfaKit extends MfaDeps {
  context: AppContext;
}

/** RFC 8176 methods that prove a second factor (or, for a passkey, possession and user verification at once). */
export const SECOND_FACTOR_AMR = ['otp', 'hwk', 'swk'];
export const hasSecondFactor = (amr: readonly string[]) => amr.some((method) => SECOND_FACTOR_AMR.includes(method));

/** How long a sign-in waits for its second factor, and a passkey ceremony for its answer. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** How long a sign-in that may only enrol stays open. */
export const ENROLLMENT_TTL_MS = 15 * 60_000;

/**
 * What ends trust in how the account was signed in to, in the transaction of the change: a new password (changed,
 * reset, set by an administrator, a temporary one replaced), the account claimed by its mailbox's owner, sign-out
 * everywhere, an address change undone ("this wasn't me"), the account suspended or deactivated, and an
 * administrator's reset of the factors. Remembered browsers are forgotten, and sign-ins waiting to enrol a first
 * factor end: proven with what no longer holds, they would otherwise still add a factor and open a session
 * afterwards. An erased account's rows go with it.
 */
export const trustEndingEvents = [
  'auth.password_changed',
  'auth.password_reset',
  'auth.account_claimed',
  'auth.password_set_by_admin',
  'auth.temporary_password_replaced',
  'auth.logout_all',
  'auth.sessions_ended_by_admin',
  'auth.email_change_reverted',
  'user.suspended',
  'user.deactivated',
  'mfa.factors_reset',
] as const;
