import * as client from 'openid-client';
import type { ProviderKind } from './schemas.js';

/** What Tessera learns of a person from a provider, whatever its protocol. */
export interface ExternalIdentity {
  subject: string;
  email: string | null;
  /** The provider vouches that the person controls the address (only then may it link to an existing account). */
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  avatarUrl: string | null;
}

/** What every kind starts a new provider with. */
interface PresetDefaults {
  scopes: string[];
  /**
   * Whether a new provider of the kind takes the provider's word that an address is verified. A well-known
   * provider's word is its own check, and only it can give it (Google's and GitHub's mailbox checks, the Microsoft
   * tenant's verified domain); any issuer's (kind oidc) is whatever its administrators or users may set there, so
   * it counts only once an administrator of Tessera says so.
   */
  trustEmailVerified: boolean;
}

interface OAuth2Preset extends PresetDefaults {
  protocol: 'oauth2';
  server: client.ServerMetadata;
  /** Reads the person from the provider's API with the access token. */
  readIdentity(config: client.Configuration, accessToken: string): Promise<ExternalIdentity>;
}

interface OidcPreset extends PresetDefaults {
  protocol: 'oidc';
  /** The issuer of the kind (a fixed one, or from the tenant); kind oidc takes the admin's. */
  issuer?: (tenant: string) => string;
  /** Whether the provider vouches for the address (Microsoft's `email` is whatever the tenant typed). */
  emailVerified(claims: Record<string, unknown>): boolean;
}

export type Preset = OAuth2Preset | OidcPreset;

const GITHUB_API = 'https://api.github.com';
const FACEBOOK_GRAPH = 'https://graph.facebook.com/v23.0';

/** "Ada Lovelace" → Ada, Lovelace: a provider's single display name split once. */
function splitName(name: unknown): [string, string] {
  const [first = '', ...rest] = typeof name === 'string' ? name.trim().split(/\s+/) : [];
  return [first.slice(0, 100), rest.join(' ').slice(0, 100)];
}

async function getJson<T>(config: client.Configuration, accessToken: string, url: string): Promise<T> {
  const headers = new Headers({ accept: 'application/json' });
  const response = await client.fetchProtectedResource(config, accessToken, new URL(url), 'GET', undefined, headers);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** GitHub: the profile, then the addresses (the profile's public one may be absent or unverified). */
async function readGitHub(config: client.Configuration, accessToken: string): Promise<ExternalIdentity> {
  const user = await getJson<{ id: number; name?: string | null; login: string; avatar_url?: string | null }>(
    config,
    accessToken,
    `${GITHUB_API}/user`,
  );
  const emails = await getJson<{ email: string; primary: boolean; verified: boolean }[]>(config, accessToken, `${GITHUB_API}/user/emails`);
  const chosen = emails.find((entry) => entry.primary && entry.verified) ?? emails.find((entry) => entry.verified);
  const [firstName, lastName] = splitName(user.name ?? user.login);
  return {
    subject: String(user.id),
    email: chosen?.email.toLowerCase() ?? null,
    emailVerified: Boolean(chosen),
    firstName,
    lastName,
    avatarUrl: user.avatar_url ?? null,
  };
}

/**
 * Facebook: the address it gives is the profile's, which Facebook does not promise is confirmed, so it
 * is never taken as verified (no automatic linking; a new account verifies it by mail).
 */
async function readFacebook(config: client.Configuration, accessToken: string): Promise<ExternalIdentity> {
  const me = await getJson<{
    id: string;
    email?: string;
    first_name?: string;
    last_name?: string;
    name?: string;
    picture?: { data?: { url?: string } };
  }>(config, accessToken, `${FACEBOOK_GRAPH}/me?fields=id,email,first_name,last_name,name,picture.type(large)`);
  const [first, last] = splitName(me.name);
  return {
    subject: me.id,
    email: me.email?.toLowerCase() ?? null,
    emailVerified: false,
    firstName: (me.first_name ?? first).slice(0, 100),
    lastName: (me.last_name ?? last).slice(0, 100),
    avatarUrl: me.picture?.data?.url ?? null,
  };
}

const standardEmailVerified = (claims: Record<string, unknown>) => claims.email_verified === true;

export const presets: Record<ProviderKind, Preset> = {
  oidc: { protocol: 'oidc', scopes: ['openid', 'email', 'profile'], trustEmailVerified: false, emailVerified: standardEmailVerified },
  google: {
    protocol: 'oidc',
    scopes: ['openid', 'email', 'profile'],
    trustEmailVerified: true,
    issuer: () => 'https://accounts.google.com',
    emailVerified: standardEmailVerified,
  },
  microsoft: {
    protocol: 'oidc',
    scopes: ['openid', 'email', 'profile'],
    trustEmailVerified: true,
    issuer: (tenant) => `https://login.microsoftonline.com/${tenant}/v2.0`,
    // `xms_edov` (an optional claim to add in the app registration) says the tenant verified the domain.
    emailVerified: (claims) => claims.email_verified === true || claims.xms_edov === true || claims.xms_edov === '1',
  },
  github: {
    protocol: 'oauth2',
    server: {
      issuer: 'https://github.com',
      authorization_endpoint: 'https://github.com/login/oauth/authorize',
      token_endpoint: 'https://github.com/login/oauth/access_token',
    },
    scopes: ['read:user', 'user:email'],
    trustEmailVerified: true,
    readIdentity: readGitHub,
  },
  facebook: {
    protocol: 'oauth2',
    server: {
      issuer: 'https://www.facebook.com',
      authorization_endpoint: 'https://www.facebook.com/v23.0/dialog/oauth',
      token_endpoint: `${FACEBOOK_GRAPH}/oauth/access_token`,
    },
    scopes: ['email', 'public_profile'],
    // Nothing to trust: readFacebook never calls an address verified.
    trustEmailVerified: false,
    readIdentity: readFacebook,
  },
};

/** The issuer a kind has by itself (Google's; Microsoft's from the tenant), or null. */
export function presetIssuer(kind: ProviderKind, tenant: string | undefined): string | null {
  const preset = presets[kind];
  return preset.protocol === 'oidc' && preset.issuer ? preset.issuer(tenant ?? '') : null;
}

/** The person's claims of an OpenID Connect provider, as an identity. */
export function identityFromClaims(preset: OidcPreset, claims: Record<string, unknown>): ExternalIdentity {
  const [first, last] = splitName(claims.name);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const email = text(claims.email)?.toLowerCase() ?? null;
  return {
    subject: String(claims.sub),
    email,
    emailVerified: email !== null && preset.emailVerified(claims),
    firstName: (text(claims.given_name) ?? first).slice(0, 100),
    lastName: (text(claims.family_name) ?? last).slice(0, 100),
    avatarUrl: text(claims.picture) ?? null,
  };
}
