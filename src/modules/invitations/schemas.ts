import { type Static, Type } from '@sinclair/typebox';
import { invitationPurpose, invitationStatus } from '../../db/schema/index.js';
import { IdParams, Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';

const enumOf = <T extends string>(values: readonly T[]) => Type.Union(values.map((value) => Type.Literal(value)));
const Email = Type.String({ format: 'email', maxLength: 254 });
const Token = Type.String({ minLength: 16, maxLength: 200 });
export const InvitationStatus = enumOf(invitationStatus.enumValues);

export const InvitationView = Type.Object({
  id: Uuid,
  purpose: enumOf(invitationPurpose.enumValues),
  email: Type.String(),
  organizationId: Nullable(Uuid),
  userId: Nullable(Uuid),
  invitedBy: Nullable(Uuid),
  roleIds: Type.Array(Uuid),
  permissions: Type.Array(Type.Object({ id: Uuid, expiresAt: Nullable(Timestamp) })),
  userTypeId: Nullable(Uuid),
  plan: Nullable(Type.String()),
  message: Nullable(Type.String()),
  status: InvitationStatus,
  expiresAt: Timestamp,
  acceptedAt: Nullable(Timestamp),
  sentAt: Timestamp,
  reminderCount: Type.Integer(),
  lastReminderAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const InvitationEnvelope = Type.Object({ invitation: InvitationView });
export const InvitationList = Paged(InvitationView);

export const CreateInvitationBody = Type.Object(
  {
    email: Email,
    roles: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20, uniqueItems: true, description: 'names or ids' })),
    permissions: Type.Optional(
      Type.Array(
        Type.Object(
          { permission: Type.String({ maxLength: 100, description: 'name or id' }), expiresAt: Type.Optional(Timestamp) },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
    userTypeId: Type.Optional(Uuid),
    plan: Type.Optional(
      Type.String({ minLength: 1, maxLength: 50, description: 'the plan a new account starts on; an existing account keeps its own' }),
    ),
    message: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'shown in the mail' })),
  },
  { additionalProperties: false },
);
export const CreateInvitationQuery = Type.Object(
  { resend: Type.Optional(Type.Boolean({ description: 'a pending invitation to the address is mailed again instead of a 409' })) },
  { additionalProperties: false },
);
export const ListInvitationsQuery = Type.Object(
  {
    status: Type.Optional(InvitationStatus),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    organizationId: Type.Optional(Uuid),
    ...pageQuery(),
  },
  { additionalProperties: false },
);
export const InvitationParams = IdParams;

export const LookupQuery = Type.Object({ token: Token }, { additionalProperties: false });
/** Enough for a sign-up page, nothing more. */
export const LookupView = Type.Object({
  organization: Nullable(Type.Object({ name: Type.String() })),
  email: Type.String(),
  expiresAt: Timestamp,
  accountExists: Type.Boolean({ description: 'true: sign in to accept; false: choose a password' }),
});
export const AcceptBody = Type.Object(
  {
    token: Token,
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    firstName: Type.Optional(Type.String({ maxLength: 100 })),
    lastName: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export type CreateInvitation = Static<typeof CreateInvitationBody>;
export type ListInvitations = Static<typeof ListInvitationsQuery>;
export type AcceptInvitation = Static<typeof AcceptBody>;
