import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db, Executor } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { Principal, SignedInCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import { isoOrNull } from '../../platform/dates.js';
import { type Outbound, OutboundRefused } from '../../platform/outbound.js';
import { seal, unseal } from '../../platform/sealed.js';
import { tenantOf } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import { federationErrors as errors } from './errors.js';
import { presetIssuer, presets } from './presets.js';
import * as queries from './queries.js';
import type { CreateProvider, ProviderKind, UpdateProvider } from './schemas.js';

/** A provider as the flows use it, from the database or the environment, its secret in the clear. */
export interface Provider {
  id: string;
  kind: ProviderKind;
  slug: string;
  displayName: string;
  issuer: string | null;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  allowedDomains: string[];
  signUpEnabled: boolean;
  /** Its word that an address is verified counts (else every address it gives is unverified). */
  trustEmailVerified: boolean;
  enabled: boolean;
  source: 'database' | 'environment';
  updatedAt: Date | null;
  createdAt: Date | null;
}

const displayNames: Record<ProviderKind, string> = {
  oidc: 'Single sign-on',
  google: 'Google',
  microsoft: 'Microsoft',
  github: 'GitHub',
  facebook: 'Facebook',
};

/** A stable id for a provider set in the environment (a UUID of version 8 made from its slug). */
function environmentId(slug: string) {
  const hex = createHash('sha256').update(`tessera identity provider ${slug}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The providers OAUTH_* settings describe: read-only through the API, changed where they are set. */
function environmentProviders(config: Config): Provider[] {
  const entries: [ProviderKind, string | undefined, string | undefined, string | null, string?][] = [
    ['google', config.OAUTH_GOOGLE_CLIENT_ID, config.OAUTH_GOOGLE_CLIENT_SECRET, null],
    ['microsoft', config.OAUTH_MICROSOFT_CLIENT_ID, config.OAUTH_MICROSOFT_CLIENT_SECRET, null],
    ['github', config.OAUTH_GITHUB_CLIENT_ID, config.OAUTH_GITHUB_CLIENT_SECRET, null],
    ['facebook', config.OAUTH_FACEBOOK_CLIENT_ID, config.OAUTH_FACEBOOK_CLIENT_SECRET, null],
    ['oidc', config.OAUTH_OIDC_CLIENT_ID, config.OAUTH_OIDC_CLIENT_SECRET, config.OAUTH_OIDC_ISSUER ?? null, config.OAUTH_OIDC_NAME],
  ];
  return entries.flatMap(([kind, clientId, clientSecret, issuer, name]) =>
    clientId && clientSecret
      ? [
          {
            id: environmentId(kind),
            kind,
            slug: kind,
            displayName: name ?? displayNames[kind],
            issuer: issuer ?? presetIssuer(kind, config.OAUTH_MICROSOFT_TENANT),
            clientId,
            clientSecret,
            scopes: presets[kind].scopes,
            allowedDomains: config.OAUTH_ALLOWED_DOMAINS.map((domain) => domain.toLowerCase()),
            signUpEnabled: config.OAUTH_SIGN_UP_ENABLED,
            trustEmailVerified: kind === 'oidc' ? config.OAUTH_OIDC_TRUST_EMAIL_VERIFIED : presets[kind].trustEmailVerified,
            enabled: true,
            source: 'environment' as const,
            createdAt: null,
            updatedAt: null,
          },
        ]
      : [],
  );
}

const tracked = ['displayName', 'clientId', 'scopes', 'allowedDomains', 'signUpEnabled', 'trustEmailVerified', 'enabled'] as const;

/** The issuer a new provider of this kind has, or the field errors of a body that does not fit its kind. */
function issuerOf(body: CreateProvider): string | null {
  const misplaced = (field: string, why: string) => httpErrors.VALIDATION_FAILED({ errors: [{ path: `/${field}`, message: why }] });
  if (body.kind !== 'oidc' && body.issuer) throw misplaced('issuer', `is set by kind ${body.kind}`);
  if (body.kind !== 'microsoft' && body.tenant) throw misplaced('tenant', 'is for kind microsoft only');
  if (body.kind === 'oidc' && !body.issuer) throw misplaced('issuer', 'is required for kind oidc');
  if (body.kind === 'microsoft' && !body.tenant) throw misplaced('tenant', 'is required for kind microsoft');
  return body.issuer ?? presetIssuer(body.kind, body.tenant);
}

/** A 400 naming the issuer when the outbound guard will not let Tessera reach it. */
async function assertReachableIssuer(outbound: Outbound, issuer: string | null) {
  if (!issuer) return;
  try {
    await outbound.assertAllowedTarget(issuer);
  } catch (error) {
    if (!(error instanceof OutboundRefused)) throw error;
    throw httpErrors.VALIDATION_FAILED({
      detail: `Tessera will not fetch this issuer: ${error.message}.`,
      errors: [{ path: '/issuer', message: error.message }],
    });
  }
}

/**
 * A provider serves every organization: an administrator confined to one would otherwise add an issuer of theirs
 * vouching for any address (and so sign in as anyone's account, a platform administrator's too), remove another
 * organization's sign-in, or read through a test sign-in which account of any organization holds an address.
 */
export function assertMayChangeProviders(principal: Principal) {
  if (tenantOf(principal) !== undefined) throw errors.IDENTITY_PROVIDERS_SHARED();
}

export function createProviders(db: Db, config: Config, useCases: DomainUseCases, outbound: Outbound) {
  const fromEnvironment = environmentProviders(config);
  const secretKey = config.SIGNING_KEY_SECRET;

  const fromRow = (row: queries.ProviderRow): Provider => ({
    ...row,
    kind: row.kind as ProviderKind,
    clientSecret: unseal(row.clientSecret, secretKey),
    source: 'database',
  });

  const view = (provider: Provider) => {
    const { clientSecret: _secret, ...shown } = provider;
    return {
      ...shown,
      callbackUrl: `${config.PUBLIC_URL}/auth/oauth/${provider.slug}/callback`,
      createdAt: isoOrNull(provider.createdAt),
      updatedAt: isoOrNull(provider.updatedAt),
    };
  };

  async function find(executor: Executor, id: string) {
    const environment = fromEnvironment.find((provider) => provider.id === id);
    if (environment) return environment;
    const row = await queries.findProvider(executor, id);
    if (!row) throw errors.IDENTITY_PROVIDER_NOT_FOUND();
    return row;
  }

  function assertStored<T>(found: T | Provider): T {
    if ((found as Provider).source === 'environment') throw errors.IDENTITY_PROVIDER_FROM_ENVIRONMENT();
    return found as T;
  }

  function sealSecret(secret: string) {
    if (!secretKey) throw errors.CLIENT_SECRET_ENCRYPTION_REQUIRED();
    return seal(secret, secretKey);
  }

  return {
    /** An enabled provider by slug, for the flows (the environment's win: their slugs are reserved). */
    async bySlug(executor: Executor, slug: string): Promise<Provider> {
      const environment = fromEnvironment.find((provider) => provider.slug === slug);
      const row = environment ? undefined : await queries.findProviderBySlug(executor, slug);
      const provider = environment ?? (row ? fromRow(row) : undefined);
      if (!provider?.enabled) throw errors.IDENTITY_PROVIDER_NOT_FOUND();
      return provider;
    },

    async list() {
      const stored = (await queries.listProviders(db)).map(fromRow);
      return [...fromEnvironment, ...stored].map(view);
    },

    /** A provider by id with its settings (enabled or not), for the administrator's connection test. */
    async settingsOf(id: string): Promise<Provider> {
      const found = await find(db, id);
      return 'source' in found ? found : fromRow(found);
    },

    async get(id: string) {
      const found = await find(db, id);
      return view('source' in found ? found : fromRow(found));
    },

    async create(caller: SignedInCaller, body: CreateProvider) {
      assertMayChangeProviders(caller.principal);
      const issuer = issuerOf(body);
      await assertReachableIssuer(outbound, issuer);
      if (fromEnvironment.some((provider) => provider.slug === body.slug)) throw httpErrors.SLUG_ALREADY_EXISTS();
      return useCases.run(caller, async (tx, emit) => {
        const row = await queries.insertProvider(tx, {
          kind: body.kind,
          slug: body.slug,
          displayName: body.displayName ?? displayNames[body.kind],
          issuer,
          clientId: body.clientId,
          clientSecret: sealSecret(body.clientSecret),
          scopes: body.scopes ?? presets[body.kind].scopes,
          allowedDomains: (body.allowedDomains ?? []).map((domain) => domain.toLowerCase()),
          signUpEnabled: body.signUpEnabled ?? true,
          trustEmailVerified: body.trustEmailVerified ?? presets[body.kind].trustEmailVerified,
          enabled: body.enabled ?? true,
        });
        const { id, clientSecret: _secret, createdAt: _c, updatedAt: _u, ...fields } = row;
        await emit({ type: 'identity_provider.created', entityId: id, payload: fields });
        return view(fromRow(row));
      });
    },

    async update(caller: SignedInCaller, id: string, body: UpdateProvider) {
      assertMayChangeProviders(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const before = assertStored<queries.ProviderRow>(await find(tx, id));
        const { clientSecret, ...fields } = body;
        const after = await queries.updateProvider(tx, id, {
          ...fields,
          ...(clientSecret ? { clientSecret: sealSecret(clientSecret) } : {}),
        });
        if (!after) throw errors.IDENTITY_PROVIDER_NOT_FOUND();
        const changes = changedFields(before, after, tracked);
        const clientSecretChanged = clientSecret !== undefined && clientSecret !== unseal(before.clientSecret, secretKey);
        if (changes || clientSecretChanged) {
          const payload = { ...(changes ?? { before: {}, after: {} }), clientSecretChanged };
          await emit({ type: 'identity_provider.updated', entityId: id, payload });
        }
        return view(fromRow(after));
      });
    },

    async remove(caller: SignedInCaller, id: string) {
      assertMayChangeProviders(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        assertStored<queries.ProviderRow>(await find(tx, id));
        const deleted = await queries.deleteProvider(tx, id);
        if (!deleted) throw errors.IDENTITY_PROVIDER_NOT_FOUND();
        const identities = await queries.deleteIdentitiesOfProvider(tx, deleted.slug);
        await emit({ type: 'identity_provider.deleted', entityId: id, payload: { slug: deleted.slug, identities } });
      });
    },
  };
}

export type Providers = ReturnType<typeof createProviders>;
