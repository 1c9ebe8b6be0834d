import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Phone, Timestamp, Username, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';
import { MAX_PASSWORD_LENGTH } from '../../platform/password-policy.js';
import { UserView } from '../users/schemas.js';

// The schema caps length before any hashing happens; a megabyte "password" never reaches argon2.
// (maxLength counts UTF-16 units; the policy counts characters, so emoji-long passwords still fit.)
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 2 });
const Email = Type.String({ format: 'email', maxLength: 254 });
const OpaqueToken = Type.String({ minLength: 16, maxLength: 200 });
const NoExtraFields = { additionalProperties: false } as const;

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    firstName: Type.Optional(Type.String({ maxLength: 100 })),
    lastName: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.Optional(Type.String({ maxLength: 201 })),
    username: Type.Optional(Username),
    phone: Type.Optional(Phone),
  },
  NoExtraFields,
);
export type Registration = Static<typeof RegisterBody>;

/** One object (not a union of two), so a missing field is named as missing rather than another refused. */
export const LoginBody = Type.Object(
  {
    email: Type.Optional(Email),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    password: Password,
  },
  { ...NoExtraFields, description: 'email or username, and password', oneOf: [{ required: ['email'] }, { required: ['username'] }] },
);

/** The user of a token answer: the fields a client needs of the one user view. */
export const PublicUser = Type.Pick(UserView, [
  'id',
  'email',
  'username',
  'firstName',
  'lastName',
  'status',
  'emailVerified',
  'organizationId',
]);

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  user: PublicUser,
});

export const ImpersonationBody = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 500, description: 'Why support acts as this user (recorded in the audit trail)' }) },
  NoExtraFields,
);
export const ImpersonationToken = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the token expires (at most 1800); it cannot be refreshed' }),
  expiresAt: Timestamp,
  sessionId: Uuid,
  user: PublicUser,
});

export const RefreshBody = Type.Object(
  {
    refreshToken: OpaqueToken,
    // The refresh grant may switch organization, as POST /auth/switch-organization does.
    organizationId: Type.Optional(Uuid),
  },
  NoExtraFields,
);
export const LogoutBody = Type.Object({ refreshToken: Type.Optional(OpaqueToken) }, NoExtraFields);
export const EmailBody = Type.Object({ email: Email }, NoExtraFields);
export const ResetBody = Type.Object({ token: OpaqueToken, password: Password }, NoExtraFields);
export const TokenBody = Type.Object({ token: OpaqueToken }, NoExtraFields);
/** The signed-in user's current password, or the change token a sign-in with a temporary password handed out. */
export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.Optional(Password), changeToken: Type.Optional(OpaqueToken), newPassword: Password },
  {
    ...NoExtraFields,
    description: 'currentPassword (signed in) or changeToken (after a sign-in with a temporary password), and newPassword',
    oneOf: [{ required: ['currentPassword'] }, { required: ['changeToken'] }],
  },
);
export const SetPasswordBody = Type.Object(
  { password: Password, temporary: Type.Optional(Type.Boolean({ description: 'the next sign-in must replace it' })) },
  NoExtraFields,
);
/** A sign-in with a temporary password: no session yet, only a token that replaces the password. */
export const PasswordChangeRequired = Type.Object({
  passwordChangeRequired: Type.Literal(true),
  changeToken: Type.String({ description: 'for POST /auth/change-password only; short-lived, single use' }),
});
/** A correct password (or a provider's sign-in) for a person with a second factor: no tokens until POST /auth/mfa/verify. */
export const MfaRequired = Type.Object({
  mfaRequired: Type.Literal(true),
  mfaToken: Type.String({ description: 'for POST /auth/mfa/verify only (never a Bearer token); 5 minutes, single use' }),
  methods: Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('webauthn'), Type.Literal('recovery_code')])),
});
/** A person whose policy requires a second factor and who has none: a token that may only enrol one. */
export const MfaEnrollmentRequired = Type.Object({
  mfaEnrollmentRequired: Type.Literal(true),
  enrollmentToken: Type.String({
    description:
      'a Bearer token for the /auth/mfa enrolment routes only (POST /auth/mfa/totp, its confirm, /auth/passkeys/options and /auth/passkeys); 15 minutes',
  }),
});
export const LoginResponse = Type.Union([TokenResponse, PasswordChangeRequired, MfaRequired, MfaEnrollmentRequired]);
/** An invitation's sign-in: tokens, or the second step / enrolment the person's policy asks, as a login answers. */
export const AcceptInvitationResponse = Type.Union([TokenResponse, MfaRequired, MfaEnrollmentRequired]);
export const Accepted = Type.Object({ message: Type.String() });

const OrganizationRef = Type.Object({ id: Uuid, name: Type.String(), slug: Type.String() });

export const MeResponse = Type.Intersect([
  PublicUser,
  Type.Object({
    roles: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
    subscription: Nullable(Type.Object({ plan: Type.String() })),
    organizations: Type.Array(
      Type.Object({
        ...OrganizationRef.properties,
        status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED')]),
        roles: Type.Array(Type.String(), { description: 'the roles held within this organization (platform-wide ones are in `roles`)' }),
      }),
      { description: 'the organizations you belong to; switch with POST /auth/switch-organization' },
    ),
    activeOrganization: Type.Union([OrganizationRef, Type.Null()], {
      description: 'the organization this token acts in (its `org` claim while that membership is active, else your default one)',
    }),
    amr: Type.Array(Type.String(), { description: 'how this sign-in was proven (RFC 8176: pwd, otp, hwk, swk, fed, mfa)' }),
    acr: Type.String({ description: 'aal2 with a second factor or a passkey, else aal1' }),
  }),
]);

export const SwitchOrganizationBody = Type.Object({ organizationId: Uuid }, NoExtraFields);

export const SessionView = Type.Object({
  id: Uuid,
  ipAddress: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  expiresAt: Timestamp,
  current: Type.Boolean(),
  impersonatedBy: Nullable(
    Type.Object({ id: Uuid, reason: Nullable(Type.String()) }, { description: 'Set on a session support opened as this user' }),
  ),
});
export const SessionList = Paged(SessionView);
export const PageQuery = Type.Object(pageQuery(), { additionalProperties: false });

export const ApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50, uniqueItems: true }),
    expiresAt: Type.Optional(Timestamp),
  },
  NoExtraFields,
);
export const ApiKeyView = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  expiresAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export const CreatedApiKey = Type.Intersect([ApiKeyView, Type.Object({ key: Type.String({ description: 'shown once; store it now' }) })]);
export const ApiKeyList = Paged(ApiKeyView);

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });
