import { type Static, Type } from '@sinclair/typebox';
import { gender, profileVisibility, userStatus } from '../../db/schema/index.js';
import { difficultyLevel, fontSize, pacePreference, reminderFrequency } from '../../db/schema/learning.js';
import { EMAIL_MAX_LENGTH, formats } from '../../http/formats.js';
import { Nullable, Phone, Timestamp, Username, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';
import { MAX_PASSWORD_LENGTH } from '../../platform/password-policy.js';

const enumOf = <T extends string>(values: readonly T[]) => Type.Union(values.map((value) => Type.Literal(value)));

export const UserStatus = enumOf(userStatus.enumValues);
const Email = Type.String({ format: 'email', maxLength: EMAIL_MAX_LENGTH });
export const NAME_MAX_LENGTH = 100;
export const BIO_MAX_LENGTH = 5000;
export const TIMEZONE_MAX_LENGTH = 64;
const Name = Type.String({ maxLength: NAME_MAX_LENGTH });
const Url = Type.String({ format: 'uri', maxLength: 500, pattern: '^https?://' });

export const UserRef = Type.Union([Uuid, Type.Literal('me')]);
export const UserIdParams = Type.Object({ id: UserRef });
export const UserRoleParams = Type.Object({ id: UserRef, roleId: Uuid });
export const UserPermissionParams = Type.Object({ id: UserRef, permissionId: Uuid });
export const UserSessionParams = Type.Object({ id: UserRef, sessionId: Uuid });

export const UserView = Type.Object({
  id: Uuid,
  email: Type.String(),
  username: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  firstName: Type.String(),
  lastName: Type.String(),
  status: UserStatus,
  statusReason: Nullable(Type.String()),
  emailVerified: Type.Boolean(),
  pendingEmail: Nullable(Type.String({ description: 'a new address waiting for confirmation; email stays in use until then' })),
  phoneVerified: Type.Boolean(),
  organizationId: Nullable(Uuid),
  userTypeId: Nullable(Uuid),
  lastLoginAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const UserEnvelope = Type.Object({ user: UserView });
const RoleRef = Type.Object({ id: Uuid, name: Type.String() });

/** A user's profile: personal details, contact and social links, locale, and what others may see. */
export const ProfileFields = {
  avatarUrl: Nullable(Type.String()),
  bio: Nullable(Type.String({ maxLength: BIO_MAX_LENGTH })),
  timezone: Type.String({ maxLength: TIMEZONE_MAX_LENGTH, pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$' }),
  language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }),
  phoneNumber: Nullable(Phone),
  dateOfBirth: Nullable(Type.String({ format: 'date' })),
  gender: Nullable(enumOf(gender.enumValues)),
  addressLine1: Nullable(Type.String({ maxLength: 200 })),
  addressLine2: Nullable(Type.String({ maxLength: 200 })),
  city: Nullable(Type.String({ maxLength: 100 })),
  stateProvince: Nullable(Type.String({ maxLength: 100 })),
  postalCode: Nullable(Type.String({ maxLength: 20 })),
  country: Nullable(Type.String({ maxLength: 100 })),
  linkedinUrl: Nullable(Url),
  twitterUrl: Nullable(Url),
  websiteUrl: Nullable(Url),
  profileVisibility: enumOf(profileVisibility.enumValues),
  showEmail: Type.Boolean(),
  showPhone: Type.Boolean(),
};
export const ProfileView = Type.Object(ProfileFields);
const { avatarUrl: _avatarIsUploaded, ...editableProfile } = ProfileFields;
const HttpUrl = Nullable(Type.String({ format: formats.httpUrl, maxLength: 500, description: 'absolute http(s) URL' }));
/** What a profile may be set to: phone numbers, URLs, timezones, language codes and birth dates are validated (the view shows what is stored). */
export const ProfileInput = Type.Partial(
  Type.Object(
    {
      ...editableProfile,
      timezone: Type.String({ maxLength: TIMEZONE_MAX_LENGTH, format: formats.timezone, description: 'IANA, e.g. Europe/Paris' }),
      language: Type.String({ maxLength: 35, format: formats.language, description: 'BCP 47, e.g. pt-BR' }),
      phoneNumber: Nullable(
        Type.String({ format: formats.phone, maxLength: 32, description: 'E.164, a number that exists in its country' }),
      ),
      linkedinUrl: HttpUrl,
      twitterUrl: HttpUrl,
      websiteUrl: HttpUrl,
      dateOfBirth: Nullable(Type.String({ format: formats.birthDate, maxLength: 10, description: 'YYYY-MM-DD, not in the future' })),
    },
    { additionalProperties: false },
  ),
);

export const PreferencesFields = {
  visualScore: Type.Number({ minimum: 0, maximum: 1 }),
  auditoryScore: Type.Number({ minimum: 0, maximum: 1 }),
  readingScore: Type.Number({ minimum: 0, maximum: 1 }),
  kinestheticScore: Type.Number({ minimum: 0, maximum: 1 }),
  preferredContentTypes: Type.Array(Type.String({ maxLength: 30 }), { maxItems: 20 }),
  difficultyPreference: enumOf(difficultyLevel.enumValues),
  pacePreference: enumOf(pacePreference.enumValues),
  preferredStudyTime: Nullable(Type.String({ maxLength: 20 })),
  dailyStudyGoal: Nullable(Type.Integer({ minimum: 0, maximum: 1440 })),
  weeklyStudyGoal: Nullable(Type.Integer({ minimum: 0, maximum: 10080 })),
  reminderEnabled: Type.Boolean(),
  reminderFrequency: enumOf(reminderFrequency.enumValues),
  reminderTime: Nullable(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })),
  fontSize: enumOf(fontSize.enumValues),
  highContrast: Type.Boolean(),
  screenReader: Type.Boolean(),
  closedCaptions: Type.Boolean(),
};
export const PreferencesView = Type.Object(PreferencesFields);
export const PreferencesInput = Type.Partial(Type.Object(PreferencesFields, { additionalProperties: false }));

/** An account at an identity provider the user signs in with (the federation module keeps them). */
export const LinkedIdentity = Type.Object({
  id: Uuid,
  provider: Type.String({ description: 'the slug of its identity provider' }),
  email: Nullable(Type.String()),
  emailVerified: Type.Boolean(),
  createdAt: Timestamp,
  lastSignInAt: Nullable(Timestamp),
});
export const StatsView = Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()]));
export const UserDetail = Type.Intersect([
  UserView,
  Type.Object({
    profile: Type.Optional(ProfileView),
    roles: Type.Optional(Type.Array(RoleRef)),
    permissions: Type.Optional(Type.Array(Type.String())),
    subscription: Type.Optional(
      Nullable(
        Type.Object({
          type: Type.String(),
          status: Type.String(),
          startDate: Timestamp,
          endDate: Nullable(Timestamp),
          features: Type.Array(Type.String()),
        }),
      ),
    ),
    organization: Type.Optional(Nullable(Type.Object({ id: Uuid, name: Type.String(), slug: Type.String() }))),
    identities: Type.Optional(Type.Array(LinkedIdentity)),
    preferences: Type.Optional(Nullable(PreferencesView)),
    stats: Type.Optional(Nullable(StatsView)),
    mfa: Type.Optional(
      Type.Object({
        enabled: Type.Boolean(),
        kinds: Type.Array(Type.String({ description: 'totp, webauthn, recovery_code' })),
        factors: Type.Array(
          Type.Object({
            kind: Type.String({ description: 'totp or webauthn' }),
            createdAt: Timestamp,
            lastUsedAt: Nullable(Timestamp),
          }),
          { description: 'each authenticator app and passkey, with when it was added and last used (never a secret or a name)' },
        ),
      }),
    ),
  }),
]);

export const includeOptions = [
  'profile',
  'roles',
  'permissions',
  'subscription',
  'organization',
  'identities',
  'mfa',
  'preferences',
  'stats',
] as const;
export const DetailQuery = Type.Object(
  {
    include: Type.Optional(
      Type.String({
        pattern: `^(${includeOptions.join('|')})(,(${includeOptions.join('|')}))*$`,
        maxLength: includeOptions.join(',').length,
      }),
    ),
  },
  { additionalProperties: false },
);

export const sortKeys = ['createdAt', 'lastLoginAt', 'email', 'name'] as const;
export const ListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    email: Type.Optional({ ...Email, description: 'exactly this address, whatever its case' }),
    phone: Type.Optional({ ...Phone, description: 'exactly this number (E.164)' }),
    phoneVerified: Type.Optional(Type.Boolean()),
    status: Type.Optional(UserStatus),
    role: Type.Optional(Type.String({ maxLength: 100 })),
    organizationId: Type.Optional(Uuid),
    userTypeId: Type.Optional(Uuid),
    emailVerified: Type.Optional(Type.Boolean()),
    createdFrom: Type.Optional(Timestamp),
    createdTo: Type.Optional(Timestamp),
    sort: Type.Optional(enumOf(sortKeys)),
    order: Type.Optional(enumOf(['asc', 'desc'])),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    ...pageQuery(),
  },
  { additionalProperties: false },
);
/** A users list's row: the user and the roles they hold (within the organization listed, else their own, and platform-wide). */
const UserListItem = Type.Object({ ...UserView.properties, roles: Type.Array(RoleRef) });
export const UserList = Type.Object({
  ...Paged(UserListItem).properties,
  total: Type.Optional(Type.Integer()),
  totalExact: Type.Optional(Type.Boolean({ description: 'false when total is an estimate (more than 10,000 matches)' })),
  page: Type.Optional(Type.Integer()),
  limit: Type.Integer(),
});

/** A single name, for a client that has no first and last: its first word the first name, the rest the last. */
const SingleName = Type.String({ maxLength: 201, description: 'first and last name in one: split at the first space' });
/** Only an administrator says a phone number is proven (Tessera sends no SMS); a new number is not, until then. */
const PhoneVerified = Type.Boolean({ description: 'the phone number is proven (set by an administrator); a new number is not' });
const adminFields = {
  email: Email,
  username: Nullable(Username),
  phone: Nullable(Phone),
  firstName: Name,
  lastName: Name,
  organizationId: Nullable(Uuid),
  userTypeId: Nullable(Uuid),
};
export const CreateUserBody = Type.Object(
  {
    ...adminFields,
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    name: Type.Optional(SingleName),
    username: Type.Optional(Nullable(Username)),
    phone: Type.Optional(Nullable(Phone)),
    phoneVerified: Type.Optional(PhoneVerified),
    organizationId: Type.Optional(Nullable(Uuid)),
    userTypeId: Type.Optional(Nullable(Uuid)),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    temporary: Type.Optional(Type.Boolean({ description: 'the password is temporary: the first sign-in must replace it' })),
    roles: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20, uniqueItems: true })),
  },
  { additionalProperties: false },
);
/** Changing one's own address needs the current password (or a recent sign-in): see users/email-change.ts. */
const CurrentPassword = Type.String({
  minLength: 1,
  maxLength: MAX_PASSWORD_LENGTH * 2,
  description: 'your password, when you change your own email',
});
export const ReplaceUserBody = Type.Object(
  { ...adminFields, phoneVerified: Type.Optional(PhoneVerified), currentPassword: Type.Optional(CurrentPassword) },
  { additionalProperties: false },
);
export const PatchUserBody = Type.Partial(
  Type.Object({
    ...ReplaceUserBody.properties,
    name: SingleName,
    profile: ProfileInput,
  }),
  { additionalProperties: false, minProperties: 1 },
);
/** What people may change about themselves; anything else is refused by name. */
export const SelfUpdateBody = Type.Object(
  {
    email: Type.Optional(Email),
    currentPassword: Type.Optional(CurrentPassword),
    username: Type.Optional(Nullable(Username)),
    phone: Type.Optional(Nullable(Phone)),
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    name: Type.Optional(SingleName),
    profile: Type.Optional(ProfileInput),
    preferences: Type.Optional(PreferencesInput),
  },
  { additionalProperties: false },
);

export const SelfProfile = Type.Intersect([
  UserView,
  Type.Object({ profile: ProfileView, preferences: Nullable(PreferencesView), stats: Nullable(StatsView) }),
]);

export const ReasonBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
export const UserChangeQuery = Type.Object(
  {
    confirm: Type.Optional(
      Type.Boolean({ description: "a new email waits for confirmation from the link mailed to it, as a person's own change does" }),
    ),
  },
  { additionalProperties: false },
);
export const DeleteQuery = Type.Object({ hard: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const CheckEmailQuery = Type.Object({ email: Email }, { additionalProperties: false });
export const CheckEmailResult = Type.Object({ exists: Type.Boolean() });
/** GET /setup: nothing but whether a first admin is still needed. */
export const SetupStatus = Type.Object({ firstAdminNeeded: Type.Boolean() });
export const ExportView = Type.Object({}, { additionalProperties: true });

export type ListUsersQuery = Static<typeof ListQuery>;
export type UserDetailQuery = Static<typeof DetailQuery>;
export type CreateUser = Static<typeof CreateUserBody>;
export type PatchUser = Static<typeof PatchUserBody>;
export type SelfUpdate = Static<typeof SelfUpdateBody>;
