import { Type } from '@sinclair/typebox';
import { internalEvent, payload, publicEvent } from '../../platform/events.js';

const Sessions = payload({ sessions: Type.Integer({ minimum: 0 }) });

/**
 * Sign-up, sign-in, sessions, passwords, mailed links and API keys. None carries a secret: tokens,
 * links and keys stay out; an API key is named by its id, a session by its id. Public: what changes an
 * account (registered, verified, password or address changed); sign-ins, sessions, mailed links and
 * credentials are operational and stay internal.
 */
export const authEvents = {
  'auth.registered': publicEvent('user', 1, payload({ email: Type.String(), roles: Type.Array(Type.String()) })),
  'auth.register_existing_email': internalEvent('user', 1),
  'auth.login': internalEvent('session', 1, payload({ amr: Type.Array(Type.String()), rehashed: Type.Boolean() })),
  // The identifier of the account tried, as stored; null when none has what was typed (often a password in the wrong field).
  'auth.login_failed': internalEvent('user', 2, payload({ identifier: Type.Union([Type.String(), Type.Null()]), reason: Type.String() })),
  'auth.refresh_reuse_detected': internalEvent('session', 1),
  'auth.logout': internalEvent('session', 1),
  'auth.logout_all': internalEvent('user', 1, Sessions),
  'auth.session_ended': internalEvent('session', 1),
  // A session moved to another organization of its person (POST /auth/switch-organization).
  'auth.organization_switched': internalEvent('session', 1, payload({ from: Type.Union([Type.String(), Type.Null()]), to: Type.String() })),
  'auth.sessions_ended_by_admin': internalEvent('user', 1, Sessions),
  'auth.password_reset_requested': internalEvent('user', 1),
  'auth.password_reset': publicEvent('user', 1),
  'auth.password_changed': publicEvent('user', 1),
  // Temporary passwords: an administrator sets one, its sign-in gets a change token, the user replaces it.
  'auth.password_set_by_admin': publicEvent('user', 1, payload({ temporary: Type.Boolean() })),
  'auth.password_change_required': internalEvent('user', 1),
  'auth.temporary_password_replaced': publicEvent('user', 1),
  'auth.email_verified': publicEvent('user', 1),
  /**
   * The first proof of the account's mailbox, by a link that set its password (`via` a reset or an invitation):
   * the account is the mailbox owner's from now on. Its sessions ended (`sessions`) and its API keys were revoked
   * (each `auth.api_key_revoked`); what other modules held of whoever had it unproven goes in reaction.
   */
  'auth.account_claimed': internalEvent(
    'user',
    1,
    payload({
      via: Type.Union([Type.Literal('password_reset'), Type.Literal('invitation'), Type.Literal('registration_dispute')]),
      sessions: Type.Integer({ minimum: 0 }),
    }),
  ),
  'auth.verification_resent': internalEvent('user', 1),
  // An email change confirmed from the new address, or undone from the old one ("this wasn't me").
  'auth.email_change_confirmed': publicEvent('user', 1, Sessions),
  'auth.email_change_reverted': publicEvent('user', 1, Sessions),
  'auth.api_key_created': internalEvent('api_key', 1, payload({ name: Type.String(), scopes: Type.Array(Type.String()) })),
  'auth.api_key_revoked': internalEvent('api_key', 1),
  // Support acting as a user: the start (who, why, until when) and every request made with its token.
  'auth.impersonation_started': internalEvent(
    'user',
    1,
    payload({ sessionId: Type.String(), impersonatorId: Type.String(), reason: Type.String(), expiresAt: Type.String() }),
  ),
  'auth.impersonated_request': internalEvent('user', 1, payload({ sessionId: Type.String(), method: Type.String(), path: Type.String() })),
} as const;

/** Events after which one session is over on every node. */
export const sessionEndedEvents = ['auth.logout', 'auth.session_ended', 'auth.refresh_reuse_detected'] as const;
/** Events after which every session of a user (but perhaps the caller's) is over on every node. */
export const userSessionsEndedEvents = [
  'auth.logout_all',
  'auth.sessions_ended_by_admin',
  'auth.password_reset',
  'auth.account_claimed',
  'auth.password_changed',
  'auth.password_set_by_admin',
  'auth.email_change_confirmed',
  'auth.email_change_reverted',
] as const;
