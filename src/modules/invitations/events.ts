import { Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { payload, publicEvent } from '../../platform/events.js';

const Names = Type.Array(Type.String());
const Invited = payload({
  email: Type.String(),
  purpose: Type.Union([Type.Literal('JOIN_ORGANIZATION'), Type.Literal('SET_PASSWORD')]),
  roles: Names,
  permissions: Names,
  userTypeId: Nullable(Type.String()),
  plan: Nullable(Type.String()),
});

/**
 * The invitation lifecycle: made, mailed again, reminded, accepted, cancelled, expired. All public;
 * none carries the token; `organizationId` is the invitation's organization.
 */
export const invitationEvents = {
  'invitation.created': publicEvent('invitation', 1, Invited),
  'invitation.resent': publicEvent('invitation', 1, payload({ email: Type.String() })),
  'invitation.reminded': publicEvent('invitation', 1, payload({ reminder: Type.Integer({ minimum: 1 }) })),
  'invitation.accepted': publicEvent('invitation', 1, payload({ userId: Type.String(), newAccount: Type.Boolean() })),
  'invitation.cancelled': publicEvent('invitation', 1),
  'invitation.expired': publicEvent('invitation', 1),
} as const;
