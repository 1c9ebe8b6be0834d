import { boolean, index, jsonb, pgTable, text, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ownedBy, tstz, updatedAt } from './common.js';
import { users } from './users.js';

/** An external identity provider admins configured (those from the environment are not stored). */
export const identityProviders = pgTable('identity_providers', {
  id: id(),
  kind: varchar('kind', { length: 20 }).notNull(),
  // The `:provider` of /auth/oauth/:provider/…, and what user_identities.provider names.
  slug: varchar('slug', { length: 50 }).notNull().unique('identity_providers_slug_unique'),
  displayName: varchar('display_name', { length: 100 }).notNull(),
  issuer: varchar('issuer', { length: 500 }),
  clientId: varchar('client_id', { length: 500 }).notNull(),
  // An AES-256-GCM envelope made with SIGNING_KEY_SECRET; never plain, never answered.
  clientSecret: text('client_secret').notNull(),
  scopes: jsonb('scopes').$type<string[]>().notNull().default([]),
  allowedDomains: jsonb('allowed_domains').$type<string[]>().notNull().default([]),
  signUpEnabled: boolean('sign_up_enabled').notNull().default(true),
  // Whether the provider's word that an address is verified is taken (Keycloak's "Trust Email"): off, an issuer
  // vouches for no address, so it links to no account by address. The service sets it per kind.
  trustEmailVerified: boolean('trust_email_verified').notNull().default(false),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A person's account at a provider, linked to a user: they sign in with it. */
export const userIdentities = pgTable(
  'user_identities',
  {
    id: id(),
    userId: ownedBy('user_id', () => users.id),
    provider: varchar('provider', { length: 50 }).notNull(),
    subject: varchar('subject', { length: 255 }).notNull(),
    email: varchar('email', { length: 254 }),
    emailVerified: boolean('email_verified').notNull().default(false),
    lastSignInAt: tstz('last_sign_in_at'),
    createdAt: createdAt(),
  },
  (t) => [index('user_identities_user_idx').on(t.userId), uniqueIndex('user_identities_provider_subject_unique').on(t.provider, t.subject)],
);

/**
 * A sign-in or link in progress between /authorize and /callback: found by the hash of its `state`,
 * taken once, ten minutes at most. In the database so that any node may receive the callback.
 */
export const oauthFlows = pgTable(
  'oauth_flows',
  {
    id: id(),
    stateHash: varchar('state_hash', { length: 64 }).notNull().unique('oauth_flows_state_hash_unique'),
    provider: varchar('provider', { length: 50 }).notNull(),
    nonce: varchar('nonce', { length: 100 }).notNull(),
    // Tessera's own PKCE verifier towards the provider.
    codeVerifier: varchar('code_verifier', { length: 100 }).notNull(),
    redirectUri: varchar('redirect_uri', { length: 2000 }).notNull(),
    // The app's PKCE challenge (S256) for the Tessera code it will exchange.
    codeChallenge: varchar('code_challenge', { length: 100 }).notNull(),
    // The app's own `state`, handed back to it with the code.
    appState: varchar('app_state', { length: 500 }),
    // Set for a link: the signed-in user who asked for it.
    linkUserId: uuid('link_user_id').references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: tstz('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('oauth_flows_expires_idx').on(t.expiresAt)],
);

/**
 * The one-time code a finished callback hands the app (60 s, single use, bound to the app's PKCE
 * challenge). Kept after use so that a replay can end the session the first exchange started.
 */
export const oauthCodes = pgTable(
  'oauth_codes',
  {
    id: id(),
    codeHash: varchar('code_hash', { length: 64 }).notNull().unique('oauth_codes_code_hash_unique'),
    purpose: varchar('purpose', { length: 10 }).$type<'sign_in' | 'link'>().notNull(),
    userId: ownedBy('user_id', () => users.id),
    provider: varchar('provider', { length: 50 }).notNull(),
    codeChallenge: varchar('code_challenge', { length: 100 }).notNull(),
    // A link's verified identity, linked only when the app that started it redeems the code.
    identity: jsonb('identity').$type<{ subject: string; email: string | null; emailVerified: boolean }>(),
    sessionId: uuid('session_id'),
    // A code the hosted pages minted for a signed-in browser: how that browser's session was proven (a second
    // factor included), which the exchange's sign-in carries instead of asking again. Null: a provider's callback.
    amr: text('amr').array(),
    consumedAt: tstz('consumed_at'),
    expiresAt: tstz('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('oauth_codes_expires_idx').on(t.expiresAt)],
);
