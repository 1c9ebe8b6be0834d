import { event } from '../../platform/events.js';

/** Fields of a user that changed, before → after. */
export type UserChanges = Record<string, { before: unknown; after: unknown }>;
type Changed = { changes: UserChanges };

export interface UserCreated {
  email: string;
  roles: string[];
  /** False: the user chooses a password from a mailed link. */
  withPassword: boolean;
  /** True for `tessera create-admin` and the bootstrap admin: nothing to prove by mail. */
  emailVerified: boolean;
  via?: 'create-admin' | 'invitation';
  /** The first sign-in must replace the password an administrator chose. */
  temporaryPassword?: boolean;
}

/**
 * Users' events. Auth reacts to some of them: it mails the links a new or re-addressed account needs
 * (`user.created`, `user.email_change_requested`, `user.email_changed`) and ends the sessions of a user who may no longer sign in
 * (`user.suspended`, `user.deactivated`, `user.erased`).
 */
export const userEvents = {
  // The address is the account's identifier, not a change to audit; the trail keeps what it always kept.
  'user.created': event<UserCreated>('user', ({ roles, withPassword, via, temporaryPassword }) =>
    // (Keys naming a password are redacted by the audit trail, so the flag is kept under another name.)
    via ? { roles, via } : { roles, withPassword, ...(temporaryPassword ? { changeRequiredAtSignIn: true } : {}) },
  ),
  'user.updated': event<Changed>('user'),
  'user.self_updated': event<Changed>('user'),
  /**
   * The account's address changed: set by an administrator (auth mails a verification link to the new one
   * and a notice to the old), confirmed from the link sent to it, or restored by "this wasn't me".
   */
  'user.email_changed': event<{ before: string; after: string; how: 'set_by_admin' | 'confirmed' | 'restored' }>('user'),
  /**
   * A new address waits for confirmation. `claimable` is false when another account holds it: nothing is
   * mailed there and it never completes, though the answer was the same. `sessionId`: the asking session,
   * the one kept when confirming ends the others.
   */
  'user.email_change_requested': event<{ before: string; pending: string; claimable: boolean; sessionId: string | null }>('user'),
  'user.email_change_cancelled': event<{ pending: string }>('user'),
  'user.suspended': event<Changed>('user'),
  'user.activated': event<Changed>('user'),
  'user.deactivated': event<Changed>('user'),
  'user.restored': event<Changed>('user'),
  // Erasure keeps only that it happened, by id.
  'user.erased': event('user'),
  'user.exported': event('user'),
  'profile.updated': event<{ fields: string[] }>('profile'),
  'learning_preferences.updated': event<{ fields: string[] }>('learning_preferences'),
  'profile.avatar_uploaded': event<{ bytes: number }>('profile'),
} as const;

/** Events after which the user may no longer act: their sessions and cached access end on every node. */
export const accessEndingEvents = ['user.suspended', 'user.deactivated', 'user.erased'] as const;
