import { type Static, Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { internalEvent, payload, publicEvent } from '../../platform/events.js';

/** Fields of a user that changed, before → after. */
const UserChangesSchema = Type.Record(Type.String(), payload({ before: Type.Unknown(), after: Type.Unknown() }));
export type UserChanges = Static<typeof UserChangesSchema>;
const Changed = payload({ changes: UserChangesSchema });
const Fields = payload({ fields: Type.Array(Type.String()) });

const UserCreated = payload({
  /**
   * How the account came to be: made by an administrator (`POST /users`, `tessera create-admin`), a
   * sign-up, an accepted invitation, an identity provider's first sign-in, or an import (whose batches
   * are `users.imported` instead).
   */
  source: Type.Union([
    Type.Literal('admin'),
    Type.Literal('registration'),
    Type.Literal('invitation'),
    Type.Literal('federation'),
    Type.Literal('import'),
  ]),
  email: Type.String(),
  roles: Type.Array(Type.String()),
  /** False: the user chooses a password from a mailed link. */
  withPassword: Type.Boolean(),
  /** True for `tessera create-admin` and the bootstrap admin: nothing to prove by mail. */
  emailVerified: Type.Boolean(),
  via: Type.Optional(Type.Union([Type.Literal('create-admin'), Type.Literal('invitation')])),
  /** The first sign-in must replace the password an administrator chose. */
  temporaryPassword: Type.Optional(Type.Boolean()),
});
export type UserCreated = Static<typeof UserCreated>;

/**
 * Users' events, public but for a pending address change (it says whether another account holds an
 * address, and names the asking session). Auth reacts to some of them: it mails the links a new or
 * re-addressed account needs (`user.created`, `user.email_change_requested`, `user.email_changed`) and ends
 * the sessions of a user who may no longer sign in (`user.suspended`, `user.deactivated`, `user.erased`).
 */
export const userEvents = {
  // The address is the account's identifier, not a change to audit; the trail keeps what it always kept.
  // Version 2: every way an account comes to be emits it, saying which (`source`).
  'user.created': publicEvent('user', 2, UserCreated, ({ source, roles, withPassword, via, temporaryPassword }) =>
    // (Keys naming a password are redacted by the audit trail, so the flag is kept under another name.)
    via ? { source, roles, via } : { source, roles, withPassword, ...(temporaryPassword ? { changeRequiredAtSignIn: true } : {}) },
  ),
  'user.updated': publicEvent('user', 1, Changed),
  'user.self_updated': publicEvent('user', 1, Changed),
  /**
   * The account's address changed: set by an administrator (auth mails a verification link to the new one
   * and a notice to the old), confirmed from the link sent to it, or restored by "this wasn't me".
   */
  'user.email_changed': publicEvent(
    'user',
    1,
    payload({
      before: Type.String(),
      after: Type.String(),
      how: Type.Union([Type.Literal('set_by_admin'), Type.Literal('confirmed'), Type.Literal('restored')]),
    }),
  ),
  /**
   * A new address waits for confirmation. `claimable` is false when another account holds it: nothing is
   * mailed there and it never completes, though the answer was the same. `sessionId`: the asking session,
   * the one kept when confirming ends the others.
   */
  'user.email_change_requested': internalEvent(
    'user',
    1,
    payload({ before: Type.String(), pending: Type.String(), claimable: Type.Boolean(), sessionId: Nullable(Type.String()) }),
  ),
  'user.email_change_cancelled': internalEvent('user', 1, payload({ pending: Type.String() })),
  'user.suspended': publicEvent('user', 1, Changed),
  'user.activated': publicEvent('user', 1, Changed),
  'user.deactivated': publicEvent('user', 1, Changed),
  'user.restored': publicEvent('user', 1, Changed),
  // Erasure keeps only that it happened, by id, and how many rows naming the person each part erased.
  'user.erased': publicEvent(
    'user',
    1,
    payload({
      /** By part: `auditTrail` (audit payloads replaced by `{"erased": true}`), `webhookDeliveries`, `invitations` and `mails` (deleted). */
      erasedRows: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    }),
  ),
  'user.exported': publicEvent('user', 1),
  'profile.updated': publicEvent('profile', 1, Fields),
  'learning_preferences.updated': publicEvent('learning_preferences', 1, Fields),
  'profile.avatar_uploaded': publicEvent('profile', 1, payload({ bytes: Type.Integer({ minimum: 0 }) })),
} as const;

/** The status reason of an account its owner deleted (`user.deactivated` by themselves): auth mails them on it. */
export const SELF_DELETION_REASON = 'deleted by its owner';

/** Events after which the user may no longer act: their sessions and cached access end on every node. */
export const accessEndingEvents = ['user.suspended', 'user.deactivated', 'user.erased'] as const;
