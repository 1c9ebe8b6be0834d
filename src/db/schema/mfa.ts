import { bigint, boolean, index, jsonb, pgEnum, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ownedBy, tstz } from './common.js';
import { users } from './users.js';

export const mfaFactorType = pgEnum('mfa_factor_type', ['TOTP', 'RECOVERY_CODE', 'WEBAUTHN']);

/**
 * A person's second factors: a TOTP secret (sealed at rest), one row per recovery code (its SHA-256 only),
 * or a passkey (its public key and signature counter). A factor counts once confirmed.
 */
export const mfaFactors = pgTable(
  'mfa_factors',
  {
    id: id(),
    userId: ownedBy('user_id', () => users.id),
    type: mfaFactorType('type').notNull(),
    name: varchar('name', { length: 100 }),
    secret: text('secret').notNull(),
    // TOTP: the last time step accepted; a code of that step or an earlier one is refused (one use each).
    lastStep: bigint('last_step', { mode: 'number' }),
    // WebAuthn: the credential's id (base64url), its signature counter, transports and whether it is synced.
    credentialId: text('credential_id').unique('mfa_factors_credential_id_unique'),
    counter: bigint('counter', { mode: 'number' }),
    transports: jsonb('transports').$type<string[]>(),
    backedUp: boolean('backed_up'),
    confirmedAt: tstz('confirmed_at'),
    lastUsedAt: tstz('last_used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('mfa_factors_user_idx').on(t.userId)],
);

/**
 * Short-lived, single-use continuations of strong authentication, shared by every node: a sign-in that may
 * only enrol (`ENROLLMENT`) and WebAuthn challenges. A sign-in waiting for its second factor has no row until
 * its sealed mfaToken is spent (`SECOND_FACTOR`, under its id's digest: the record of its single use) or a
 * passkey challenge is kept for it.
 */
export const mfaChallenges = pgTable(
  'mfa_challenges',
  {
    id: id(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    purpose: varchar('purpose', { length: 30 }).notNull(),
    tokenHash: varchar('token_hash', { length: 64 }).notNull().unique('mfa_challenges_token_hash_unique'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    expiresAt: tstz('expires_at').notNull(),
    consumedAt: tstz('consumed_at'),
    createdAt: createdAt(),
  },
  // A person's rows are found by user (their deletion's cascade), not by a scan.
  (t) => [index('mfa_challenges_expires_idx').on(t.expiresAt), index('mfa_challenges_user_purpose_idx').on(t.userId, t.purpose)],
);

/**
 * Browsers a person asked to remember after proving a second factor there ("remember this device"): the
 * cookie holds a random token, this table only its SHA-256. A sign-in from such a browser skips the second
 * step until `expires_at` (at most MFA_REMEMBER_DEVICE_DAYS after the factor was proven).
 */
export const mfaRememberedDevices = pgTable(
  'mfa_remembered_devices',
  {
    id: id(),
    userId: ownedBy('user_id', () => users.id),
    tokenHash: varchar('token_hash', { length: 64 }).notNull().unique('mfa_remembered_devices_token_hash_unique'),
    userAgent: varchar('user_agent', { length: 500 }),
    createdAt: createdAt(),
    lastUsedAt: tstz('last_used_at'),
    expiresAt: tstz('expires_at').notNull(),
  },
  (t) => [index('mfa_remembered_devices_user_idx').on(t.userId), index('mfa_remembered_devices_expires_idx').on(t.expiresAt)],
);
