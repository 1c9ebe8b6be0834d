import { event } from '../../platform/events.js';

/**
 * Sign-up, sign-in, sessions, passwords, mailed links and API keys. None carries a secret: tokens,
 * links and keys stay out; an API key is named by its id, a session by its id.
 */
export const authEvents = {
  'auth.registered': event<{ email: string; roles: string[] }>('user'),
  'auth.register_existing_email': event('user'),
  'auth.login': event<{ amr: string[]; rehashed: boolean }>('session'),
  'auth.login_failed': event<{ identifier: string; reason: string }>('user'),
  'auth.refresh_reuse_detected': event('session'),
  'auth.logout': event('session'),
  'auth.logout_all': event<{ sessions: number }>('user'),
  'auth.session_ended': event('session'),
  'auth.sessions_ended_by_admin': event<{ sessions: number }>('user'),
  'auth.password_reset_requested': event('user'),
  'auth.password_reset': event('user'),
  'auth.password_changed': event('user'),
  // Temporary passwords: an administrator sets one, its sign-in gets a change token, the user replaces it.
  'auth.password_set_by_admin': event<{ temporary: boolean }>('user'),
  'auth.password_change_required': event('user'),
  'auth.temporary_password_replaced': event('user'),
  'auth.email_verified': event('user'),
  'auth.verification_resent': event('user'),
  // An email change confirmed from the new address, or undone from the old one ("this wasn't me").
  'auth.email_change_confirmed': event<{ sessions: number }>('user'),
  'auth.email_change_reverted': event<{ sessions: number }>('user'),
  'auth.api_key_created': event<{ name: string; scopes: string[] }>('api_key'),
  'auth.api_key_revoked': event('api_key'),
} as const;

/** Events after which one session is over on every node. */
export const sessionEndedEvents = ['auth.logout', 'auth.session_ended', 'auth.refresh_reuse_detected'] as const;
/** Events after which every session of a user (but perhaps the caller's) is over on every node. */
export const userSessionsEndedEvents = [
  'auth.logout_all',
  'auth.sessions_ended_by_admin',
  'auth.password_reset',
  'auth.password_changed',
  'auth.password_set_by_admin',
  'auth.email_change_confirmed',
  'auth.email_change_reverted',
] as const;
