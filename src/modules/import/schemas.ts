import { type Static, Type } from '@sinclair/typebox';
import { formats } from '../../http/formats.js';
import { Timestamp, Username } from '../../http/schemas.js';
import { CreateGoalBody, CreateSkillBody } from '../learning/schemas.js';
import { PreferencesInput, ProfileInput, UserStatus } from '../users/schemas.js';

const Name = Type.String({ maxLength: 100 });

/**
 * One user of an import file (a JSON Lines line, or a CSV row read into the same shape): the
 * models with its Data Validation (email, E.164 phones, http(s) links, IANA time zones, BCP 47 languages).
 */
export const ImportRecord = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    username: Type.Optional(Username),
    phone: Type.Optional(Type.String({ format: formats.phone, description: 'E.164' })),
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    name: Type.Optional(Type.String({ maxLength: 201, description: 'split into first and last name when those are absent' })),
    status: Type.Optional({
      ...UserStatus,
      description:
        "default ACTIVE for a new account; an updated one keeps its own. A change needs its route's permission (users:suspend, users:delete)",
    }),
    createdAt: Type.Optional(Timestamp),
    emailVerified: Type.Optional(
      Type.Boolean({
        description:
          'the system it comes from had the address: default true from the CLI and a cross-tenant administrator; an organization administrator imports addresses unverified',
      }),
    ),
    phoneVerified: Type.Optional(Type.Boolean({ description: 'default false: the system it comes from proved the number' })),
    organization: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'organization slug' })),
    userType: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'user type name' })),
    roles: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20, uniqueItems: true })),
    passwordHash: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: "another system's hash (bcrypt, argon2, scrypt, PBKDF2, Firebase)" }),
    ),
    profile: Type.Optional(ProfileInput),
    preferences: Type.Optional(PreferencesInput),
    skills: Type.Optional(Type.Array(CreateSkillBody, { maxItems: 200 })),
    goals: Type.Optional(Type.Array(CreateGoalBody, { maxItems: 200 })),
  },
  { additionalProperties: false },
);
export type ImportRecord = Static<typeof ImportRecord>;

const Flag = (description: string) => Type.Optional(Type.Boolean({ description }));
export const ImportQuery = Type.Object(
  {
    dryRun: Flag('validate only; write nothing'),
    update: Flag('overwrite users whose email exists (default: skip them)'),
    invite: Flag('mail a set-password invitation to users imported without a usable password'),
    skipInvalid: Flag('import the valid lines and list the invalid ones (default: any invalid line writes nothing)'),
  },
  { additionalProperties: false },
);
export type ImportOptions = Static<typeof ImportQuery>;

const LineError = Type.Object({ line: Type.Integer(), field: Type.String(), message: Type.String() });
export const ImportSummary = Type.Object({
  dryRun: Type.Boolean({ description: 'nothing was written; the counts say what would have been' }),
  rejected: Type.Boolean({ description: 'invalid lines, and no skipInvalid: nothing was written' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  skipped: Type.Integer({ description: 'already there (without update)' }),
  failed: Type.Integer({ description: 'invalid lines, and users whose rows could not be written' }),
  invited: Type.Integer(),
  errors: Type.Array(LineError, { description: 'the first 1,000' }),
});
export type ImportSummary = Static<typeof ImportSummary>;
export type LineError = Static<typeof LineError>;

export const ImportJobView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  phase: Type.Union([Type.Literal('checking'), Type.Literal('importing'), Type.Null()], {
    description: 'checking: every line is read and checked; importing: the checked users are written; null once finished',
  }),
  done: Type.Integer({ minimum: 0, description: 'lines (checking) or users (importing) done in this phase' }),
  total: Type.Integer({ minimum: 0, description: 'lines or users of this phase' }),
  summary: Type.Union([ImportSummary, Type.Null()], { description: 'once done: what was imported, or why nothing was (rejected)' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'once failed: what to tell the person' }),
});
export const ImportJobParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export type ImportJobView = Static<typeof ImportJobView>;
