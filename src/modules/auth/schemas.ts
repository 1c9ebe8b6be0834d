import { Type } from '@sinclair/typebox';
import { MAX_PASSWORD_LENGTH } from './password-policy.js';

// The schema caps length before any hashing happens; a megabyte "password" never reaches argon2.
// (maxLength counts UTF-16 units; the policy counts characters, so emoji-long passwords still fit.)
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 2 });
const Email = Type.String({ format: 'email', maxLength: 254 });
const Token = Type.String({ minLength: 16, maxLength: 200 });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    firstName: Type.Optional(Type.String({ maxLength: 100 })),
    lastName: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.Optional(Type.String({ maxLength: 201 })),
    username: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{3,50}$' })),
    phone: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164' })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Union([
  Type.Object({ email: Email, password: Password }, { additionalProperties: false }),
  Type.Object({ username: Type.String({ minLength: 1, maxLength: 50 }), password: Password }, { additionalProperties: false }),
]);

export const PublicUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  username: Nullable(Type.String()),
  firstName: Type.String(),
  lastName: Type.String(),
  status: Type.String(),
  emailVerified: Type.Boolean(),
  organizationId: Nullable(Type.String()),
});

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  user: PublicUser,
});

export const RefreshBody = Type.Object({ refreshToken: Token }, { additionalProperties: false });
export const LogoutBody = Type.Object({ refreshToken: Type.Optional(Token) }, { additionalProperties: false });
export const EmailBody = Type.Object({ email: Email }, { additionalProperties: false });
export const ResetBody = Type.Object({ token: Token, password: Password }, { additionalProperties: false });
export const TokenBody = Type.Object({ token: Token }, { additionalProperties: false });
export const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false });
export const Accepted = Type.Object({ message: Type.String() });

export const MeResponse = Type.Intersect([
  PublicUser,
  Type.Object({
    roles: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
    subscription: Type.Union([Type.Object({ plan: Type.String() }), Type.Null()]),
  }),
]);

export const SessionView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  ipAddress: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  expiresAt: Timestamp,
  current: Type.Boolean(),
});
export const SessionList = Type.Object({ data: Type.Array(SessionView) });

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50, uniqueItems: true }),
    expiresAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export const ApiKeyView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  expiresAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export const CreatedApiKey = Type.Intersect([ApiKeyView, Type.Object({ key: Type.String({ description: 'shown once; store it now' }) })]);
export const ApiKeyList = Type.Object({ data: Type.Array(ApiKeyView) });

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });
