import { randomBytes } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { Principal, SignedInCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import { isoOrNull } from '../../platform/dates.js';
import { pagedById } from '../../platform/paging.js';
import {
  assertMayActOn,
  cachedUserGrants,
  EVERYWHERE,
  inTenancy,
  isPermission,
  placementFor,
  profileIn,
  tenantOf,
} from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import { organizationErrors } from '../organizations/errors.js';
import { oidcErrors as errors } from './errors.js';
import * as queries from './queries.js';
import type { ApplicationView, CreateApplication, ListApplicationsQuery, UpdateApplication } from './schemas.js';
import { randomSecret, sha256 } from './secrets.js';

/** The scopes an application signing people in may ask for: OpenID Connect's and Tessera's own. */
export const PERSON_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'phone', 'roles', 'organization'] as const;
const DEFAULT_PERSON_SCOPES = ['openid', 'offline_access', 'email', 'profile'];

type Kind = queries.ApplicationRow['kind'];
const isConfidential = (kind: Kind) => kind === 'web' || kind === 'service';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Redirect URIs are matched exactly, so they are checked once here: no fragment; https for web and
 * single-page applications (plain http only on loopback, for development); a native application may also use
 * its own scheme (`com.example.app:/callback`, RFC 8252). A service application signs nobody in and has none.
 */
function assertRedirectUris(kind: Kind, uris: string[]) {
  if (kind === 'service') {
    if (uris.length > 0) throw errors.INVALID_REDIRECT_URI('A service application has no redirect URIs.');
    return;
  }
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw errors.INVALID_REDIRECT_URI(`Not a URL: ${uri}`);
    }
    const web = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    const ownScheme = kind === 'native' && !['http:', 'https:', 'javascript:', 'data:', 'file:'].includes(url.protocol);
    if (url.hash || !(web || ownScheme)) throw errors.INVALID_REDIRECT_URI(`Not acceptable for a ${kind} application: ${uri}`);
  }
}

/** People's applications ask for OpenID Connect scopes; a service's scopes are Tessera permissions its maker holds. */
function assertScopes(caller: SignedInCaller, kind: Kind, scopes: string[]) {
  if (kind !== 'service') {
    const unknown = scopes.filter((scope) => !(PERSON_SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0) throw errors.UNKNOWN_SCOPE(`Unknown scope: ${unknown.join(', ')}.`);
    return;
  }
  const unknown = scopes.filter((scope) => !isPermission(scope));
  if (unknown.length > 0) throw errors.UNKNOWN_SCOPE(`Unknown permission: ${unknown.join(', ')}.`);
  // A service application can only narrow what its maker may do, never widen it (as an API key).
  const notHeld = scopes.filter((scope) => !caller.principal.permissions.has(scope as never));
  if (notHeld.length > 0) throw errors.APPLICATION_SCOPE_NOT_HELD(`You do not hold: ${notHeld.join(', ')}.`);
}

const graceOf = (row: queries.ApplicationRow) =>
  row.previousSecretHash && row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date() ? row.previousSecretExpiresAt : null;

export const applicationView = (row: queries.ApplicationRow): ApplicationView => ({
  id: row.id,
  organizationId: row.organizationId,
  clientId: row.clientId,
  name: row.name,
  kind: row.kind,
  redirectUris: row.redirectUris,
  postLogoutRedirectUris: row.postLogoutRedirectUris,
  scopes: row.scopes,
  firstParty: row.firstParty,
  logoUri: row.logoUri,
  idTokenSigningAlg: row.idTokenSigningAlg,
  confidential: isConfidential(row.kind),
  previousSecretValidUntil: isoOrNull(graceOf(row)),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/**
 * The client metadata oidc-provider works with, made from an application each time it is asked (so an
 * edit applies at once on every node). `client_secret` holds the secret's hash: the provider's comparison is
 * replaced by one of hashes (provider.ts), which also accepts the previous secret during its grace period.
 */
export function clientMetadata(row: queries.ApplicationRow): AdapterPayload {
  const service = row.kind === 'service';
  const previous = graceOf(row) ? row.previousSecretHash : null;
  return {
    client_id: row.clientId,
    client_name: row.name,
    application_type: row.kind === 'native' ? 'native' : 'web',
    redirect_uris: row.redirectUris,
    post_logout_redirect_uris: row.postLogoutRedirectUris,
    grant_types: service ? ['client_credentials'] : ['authorization_code', 'refresh_token'],
    response_types: service ? [] : ['code'],
    token_endpoint_auth_method: isConfidential(row.kind) ? 'client_secret_basic' : 'none',
    ...(row.secretHash ? { client_secret: row.secretHash } : {}),
    scope: row.scopes.join(' '),
    id_token_signed_response_alg: row.idTokenSigningAlg,
    ...(row.logoUri ? { logo_uri: row.logoUri } : {}),
    'urn:tessera:first_party': row.firstParty,
    'urn:tessera:previous_secret_hash': previous ?? undefined,
    'urn:tessera:owner_id': row.ownerId ?? undefined,
  };
}

/** An organization's administrator registers applications in their own organization only. */
const outsideTenancy = () =>
  organizationErrors.CROSS_TENANT_REQUIRED("An organization's administrator registers applications in their own organization only.");

/**
 * Consent is what stands between an application and the people signing in to it, and anyone may sign in to any
 * application: skipping it (first party) is the platform's trust, given by cross-tenant administrators only.
 */
function assertMayTrust(principal: Principal, firstParty: boolean | undefined, trusted = false) {
  if (firstParty && !trusted && tenantOf(principal) !== undefined)
    throw organizationErrors.CROSS_TENANT_REQUIRED('Only a cross-tenant administrator makes an application first party.');
}

/** Applications (OpenID Connect clients): created, changed and removed by administrators, every change audited. */
export function createApplications(context: AppContext, { useCases }: { useCases: DomainUseCases }) {
  const db = context.database.primary;

  // An organization's applications go with it, each as its own deletion: webhooks and the audit trail hear of every one.
  useCases.react(['organization.deleted'], async (tx, event, { emit }) => {
    if (!event.entityId) return;
    for (const { id } of await queries.deleteApplicationsOfOrganization(tx, event.entityId))
      await emit({ type: 'application.deleted', entityId: id, organizationId: event.entityId });
  });

  /** The application if the caller may manage it: outside their tenancy (a platform one included) it answers as a missing one. */
  async function visible(executor: Executor, principal: Principal, id: string) {
    const row = await queries.findApplication(executor, id);
    if (!row || !inTenancy(principal, row.organizationId)) throw errors.APPLICATION_NOT_FOUND();
    return row;
  }

  /** What a service application's owner holds anywhere: the most its tokens can carry (app-tokens.ts narrows further). */
  const ownerPermissions = async (tx: Executor, ownerId: string) =>
    new Set(profileIn(await cachedUserGrants(context, tx, ownerId), EVERYWHERE).permissions);

  /**
   * A service application's tokens act as its owner, so whoever rotates its secret, changes or deletes it could act as
   * them: that is for those who may act on the owner's account (the owner, or who holds at least what they hold, in
   * every organization they hold it: access's rule), and who hold every permission its tokens carry (the owner's own
   * API key narrowed to applications:manage must not mint itself a token with more). One without an owner has no
   * working tokens. A person's application is not guarded this way: its tokens act as the person signing in and carry
   * no Tessera permission: any holder of applications:manage in its organization manages it (first party aside).
   */
  async function assertMayControl(tx: Executor, caller: SignedInCaller, row: queries.ApplicationRow) {
    if (row.kind !== 'service' || !row.ownerId) return;
    await assertMayActOn(tx, caller.principal, row.ownerId, 'account');
    const owner = await ownerPermissions(tx, row.ownerId);
    const notHeld = row.scopes.filter((scope) => owner.has(scope) && !caller.principal.permissions.has(scope as never));
    if (notHeld.length > 0) throw errors.APPLICATION_SCOPE_NOT_HELD(`Its tokens carry what you do not hold: ${notHeld.join(', ')}.`);
  }

  return {
    /** The provider's client lookup: the application with this client id, as client metadata. */
    async clientById(clientId: string) {
      const row = await queries.findApplicationByClientId(db, clientId);
      return row && clientMetadata(row);
    },
    byClientId: (clientId: string) => queries.findApplicationByClientId(db, clientId),

    async list(caller: SignedInCaller, query: ListApplicationsQuery) {
      const limit = query.limit ?? 20;
      const after = pagedById.after(query.cursor);
      const rows = await queries.listApplications(db, { organizationId: tenantOf(caller.principal), after, limit });
      return pagedById.page(rows, limit, applicationView);
    },

    get: async (caller: SignedInCaller, id: string) => applicationView(await visible(db, caller.principal, id)),

    async create(caller: SignedInCaller, body: CreateApplication) {
      const redirectUris = body.redirectUris ?? [];
      const postLogoutRedirectUris = body.postLogoutRedirectUris ?? [];
      const scopes = body.scopes ?? (body.kind === 'service' ? [] : DEFAULT_PERSON_SCOPES);
      assertRedirectUris(body.kind, redirectUris);
      assertRedirectUris(body.kind, postLogoutRedirectUris);
      if (body.kind !== 'service' && redirectUris.length === 0) throw errors.INVALID_REDIRECT_URI('At least one redirect URI is needed.');
      assertScopes(caller, body.kind, scopes);
      const organizationId = placementFor(caller.principal, body.organizationId, outsideTenancy);
      assertMayTrust(caller.principal, body.firstParty);
      const secret = isConfidential(body.kind) ? randomSecret() : null;
      const row = await useCases.run(caller, async (tx, emit) => {
        const created = await queries.insertApplication(tx, {
          organizationId,
          clientId: randomBytes(16).toString('base64url'),
          name: body.name,
          kind: body.kind,
          redirectUris,
          postLogoutRedirectUris,
          scopes,
          firstParty: body.firstParty ?? false,
          logoUri: body.logoUri ?? null,
          idTokenSigningAlg: body.idTokenSigningAlg ?? 'RS256',
          ownerId: caller.principal.userId,
          secretHash: secret ? sha256(secret) : null,
        });
        await emit({
          type: 'application.created',
          entityId: created.id,
          organizationId,
          payload: { name: created.name, kind: created.kind, clientId: created.clientId, organizationId },
        });
        return created;
      });
      return { application: applicationView(row), clientSecret: secret };
    },

    async update(caller: SignedInCaller, id: string, body: UpdateApplication) {
      const row = await useCases.run(caller, async (tx, emit) => {
        const before = await visible(tx, caller.principal, id);
        await assertMayControl(tx, caller, before);
        assertMayTrust(caller.principal, body.firstParty, before.firstParty);
        if (body.redirectUris) assertRedirectUris(before.kind, body.redirectUris);
        if (body.postLogoutRedirectUris) assertRedirectUris(before.kind, body.postLogoutRedirectUris);
        if (body.redirectUris && before.kind !== 'service' && body.redirectUris.length === 0)
          throw errors.INVALID_REDIRECT_URI('At least one redirect URI is needed.');
        if (body.scopes) assertScopes(caller, before.kind, body.scopes);
        // Its tokens act as its owner, whoever edits it: its scopes stay within what the owner holds.
        if (body.scopes && before.kind === 'service' && before.ownerId) {
          const owner = await ownerPermissions(tx, before.ownerId);
          const notHeld = body.scopes.filter((scope) => !owner.has(scope));
          if (notHeld.length > 0) throw errors.APPLICATION_SCOPE_NOT_HELD(`Its owner does not hold: ${notHeld.join(', ')}.`);
        }
        const after = await queries.updateApplication(tx, id, body);
        if (!after) throw errors.APPLICATION_NOT_FOUND();
        // The provider checks an application's scopes when it asks, not when it refreshes what it was granted: a scope
        // taken away ends its grants (and their tokens), and people are asked again for what it may still have.
        if (before.scopes.some((scope) => !after.scopes.includes(scope))) await queries.revokeGrantsOfClient(tx, before.clientId);
        const changes = changedFields(before, after, ['name', 'redirectUris', 'postLogoutRedirectUris', 'scopes', 'firstParty', 'logoUri']);
        if (changes) await emit({ type: 'application.updated', entityId: id, organizationId: after.organizationId, payload: changes });
        return after;
      });
      return applicationView(row);
    },

    async remove(caller: SignedInCaller, id: string) {
      await useCases.run(caller, async (tx, emit) => {
        const before = await visible(tx, caller.principal, id);
        await assertMayControl(tx, caller, before);
        const row = await queries.deleteApplication(tx, id);
        if (!row) throw errors.APPLICATION_NOT_FOUND();
        // What the application held (grants, tokens) stops working with it: the provider finds no client.
        await emit({ type: 'application.deleted', entityId: id, organizationId: before.organizationId });
      });
    },

    /** A new secret, shown once; the previous one keeps working for APPLICATION_SECRET_GRACE so deployments can roll over. */
    async rotateSecret(caller: SignedInCaller, id: string) {
      const secret = randomSecret();
      const validUntil = new Date(Date.now() + context.config.APPLICATION_SECRET_GRACE);
      await useCases.run(caller, async (tx, emit) => {
        const before = await visible(tx, caller.principal, id);
        if (!before.secretHash) throw errors.APPLICATION_HAS_NO_SECRET();
        await assertMayControl(tx, caller, before);
        await queries.updateApplication(tx, id, {
          secretHash: sha256(secret),
          previousSecretHash: before.secretHash,
          previousSecretExpiresAt: validUntil,
        });
        await emit({
          type: 'application.secret_rotated',
          entityId: id,
          organizationId: before.organizationId,
          payload: { previousValidUntil: validUntil.toISOString() },
        });
      });
      return { clientSecret: secret, previousSecretValidUntil: validUntil.toISOString() };
    },
  };
}

export type Applications = ReturnType<typeof createApplications>;
