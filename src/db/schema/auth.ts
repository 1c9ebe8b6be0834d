import { sql } from 'drizzle-orm';
import { type AnyPgColumn, boolean, index, jsonb, pgEnum, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ownedBy, tstz } from './common.js';
import { organizations } from './organizations.js';
import { users } from './users.js';

export const oneTimeTokenPurpose = pgEnum('one_time_token_purpose', [
  'EMAIL_VERIFICATION',
  'PASSWORD_RESET',
  'EMAIL_CHANGE',
  'SET_PASSWORD',
  // Handed out instead of a session when the password is temporary; it only changes that password.
  'PASSWORD_CHANGE',
  // Mailed to the old address of an email change: "this wasn't me" cancels or undoes it.
  'EMAIL_CHANGE_REVERT',
  // Mailed with a sign-up's confirmation: "I did not sign up" takes the account from whoever made it with this address.
  'REGISTRATION_DISPUTE',
]);
export const signingKeyStatus = pgEnum('signing_key_status', ['ACTIVE', 'RETIRING', 'RETIRED']);

const userRef = () => ownedBy('user_id', () => users.id);

/** A session is one refresh-token family: one device's sign-in. */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    userId: userRef(),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    ipAddress: varchar('ip_address', { length: 45 }),
    userAgent: text('user_agent'),
    lastUsedAt: tstz('last_used_at').notNull().defaultNow(),
    idleExpiresAt: tstz('idle_expires_at').notNull(),
    expiresAt: tstz('expires_at').notNull(),
    revokedAt: tstz('revoked_at'),
    revokedReason: varchar('revoked_reason', { length: 50 }),
    // How the person proved who they are when the session began (RFC 8176 names: pwd, fed, otp …).
    amr: jsonb('amr').$type<string[]>(),
    /** An impersonation session: the administrator acting as the user, and why (no refresh token, ≤ 30 minutes). */
    impersonatorId: uuid('impersonator_id'),
    impersonationReason: text('impersonation_reason'),
    /**
     * Begun by the hosted pages: a browser's session, named by its cookie (its first refresh token, never rotated).
     * Only such a session opens the pages, and its token is never refreshed: an API client's refresh token is not a cookie.
     */
    browser: boolean('browser').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId, t.createdAt.desc().nullsFirst()),
    // An administrator suspended, deactivated or erased ends the impersonations they opened: found among the few.
    index('sessions_impersonator_idx').on(t.impersonatorId).where(sql`${t.impersonatorId} IS NOT NULL`),
  ],
);

/** Every refresh token a family has issued; a used one presented again reveals theft. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    sessionId: ownedBy('session_id', () => sessions.id),
    tokenHash: varchar('token_hash', { length: 64 }).notNull().unique('refresh_tokens_token_hash_unique'),
    usedAt: tstz('used_at'),
    createdAt: createdAt(),
  },
  // With used_at in the key a session's unspent token is found in O(log n), however many it has spent (a long
  // session refreshes thousands of times); the session_id prefix still serves the cascade from sessions.
  (t) => [index('refresh_tokens_session_used_idx').on(t.sessionId, t.usedAt)],
);

export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: id(),
    userId: userRef(),
    purpose: oneTimeTokenPurpose('purpose').notNull(),
    tokenHash: varchar('token_hash', { length: 64 }).notNull().unique('one_time_tokens_token_hash_unique'),
    // e.g. the new address of an email change.
    data: jsonb('data'),
    expiresAt: tstz('expires_at').notNull(),
    consumedAt: tstz('consumed_at'),
    createdAt: createdAt(),
  },
  (t) => [index('one_time_tokens_user_purpose_idx').on(t.userId, t.purpose)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    userId: userRef(),
    name: varchar('name', { length: 100 }).notNull(),
    // The visible start of the key, so a user can tell keys apart without the secret.
    prefix: varchar('prefix', { length: 16 }).notNull(),
    keyHash: varchar('key_hash', { length: 64 }).notNull().unique('api_keys_key_hash_unique'),
    scopes: jsonb('scopes').$type<string[]>().notNull().default([]),
    expiresAt: tstz('expires_at'),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
    // The key that made this one, if one did: revoking a key revokes the keys it made.
    createdByKeyId: uuid('created_by_key_id').references((): AnyPgColumn => apiKeys.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('api_keys_user_idx').on(t.userId), index('api_keys_created_by_key_idx').on(t.createdByKeyId)],
);

export const signingKeys = pgTable('signing_keys', {
  id: id(),
  algorithm: varchar('algorithm', { length: 20 }).notNull().default('EdDSA'),
  publicJwk: jsonb('public_jwk').notNull(),
  // PKCS#8 PEM, or an AES-256-GCM envelope of it when SIGNING_KEY_SECRET is set.
  privateKey: text('private_key').notNull(),
  status: signingKeyStatus('status').notNull().default('ACTIVE'),
  retiresAt: tstz('retires_at'),
  createdAt: createdAt(),
});
