import { boolean, index, jsonb, pgEnum, pgTable, primaryKey, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './common.js';
import { organizations } from './organizations.js';
import { users } from './users.js';

export const applicationKind = pgEnum('application_kind', ['web', 'spa', 'native', 'service']);

/** An application that signs people in with Tessera (an OpenID Connect client), managed by administrators. */
export const applications = pgTable(
  'applications',
  {
    id: id(),
    // The organization whose administrators manage it; NULL: the platform's, managed by cross-tenant administrators only.
    // Tenant data: it goes with its organization (its grants and tokens stop working, as on a deletion).
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    clientId: varchar('client_id', { length: 64 }).notNull().unique('applications_client_id_unique'),
    name: varchar('name', { length: 200 }).notNull(),
    kind: applicationKind('kind').notNull(),
    redirectUris: jsonb('redirect_uris').$type<string[]>().notNull(),
    postLogoutRedirectUris: jsonb('post_logout_redirect_uris').$type<string[]>().notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    firstParty: boolean('first_party').notNull().default(false),
    logoUri: text('logo_uri'),
    // RS256 by default: every relying party supports it; ES256 or EdDSA for applications that ask.
    idTokenSigningAlg: varchar('id_token_signing_alg', { length: 10 }).$type<'RS256' | 'ES256' | 'EdDSA'>().notNull().default('RS256'),
    // The administrator who made it: a service application's tokens act with the permissions they hold, narrowed to its scopes.
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    // SHA-256 of the client secret (high-entropy, so a plain hash is enough); null for public clients.
    secretHash: varchar('secret_hash', { length: 64 }),
    // The secret before the last rotation, accepted until previousSecretExpiresAt.
    previousSecretHash: varchar('previous_secret_hash', { length: 64 }),
    previousSecretExpiresAt: tstz('previous_secret_expires_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // An organization's administrator lists its applications in id order.
  (t) => [index('applications_organization_idx').on(t.organizationId, t.id)],
);

/**
 * What the OpenID provider stores (sessions, interactions, codes, tokens, grants), one row per artefact,
 * so any node serves any step of a flow and a restart loses nothing. Expired rows are removed by a job.
 */
export const oidcArtifacts = pgTable(
  'oidc_artifacts',
  {
    model: varchar('model', { length: 40 }).notNull(),
    id: varchar('id', { length: 255 }).notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    accountId: varchar('account_id', { length: 255 }),
    grantId: varchar('grant_id', { length: 255 }),
    uid: varchar('uid', { length: 255 }),
    consumedAt: tstz('consumed_at'),
    expiresAt: tstz('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id] }),
    index('oidc_artifacts_grant_idx').on(t.grantId),
    index('oidc_artifacts_account_idx').on(t.accountId),
    index('oidc_artifacts_uid_idx').on(t.uid),
    index('oidc_artifacts_expires_idx').on(t.expiresAt),
  ],
);
