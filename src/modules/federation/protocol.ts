import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { AppError } from '../../http/errors.js';
import { type Outbound, OutboundRefused } from '../../platform/outbound.js';
import { federationErrors as errors } from './errors.js';
import { type ExternalIdentity, identityFromClaims, presets } from './presets.js';
import type { Provider } from './providers.js';

/** Every call to a provider is bounded: a provider that stalls costs a sign-in, not a connection for ever. */
const TIMEOUT_SECONDS = 10;

export interface ProviderChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why a call to a provider failed, in our codes: it said no, it could not be reached, or its answer did not verify. */
function classify(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof client.AuthorizationResponseError) return errors.IDENTITY_PROVIDER_DENIED({ cause: error });
  const chain: unknown[] = [];
  for (let current = error; current instanceof Error && chain.length < 5; current = current.cause) chain.push(current);
  const unreachable = chain.some(
    (link) =>
      ['TimeoutError', 'AbortError'].includes((link as Error).name) ||
      ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'].includes(
        (link as { code?: string }).code ?? '',
      ) ||
      (link instanceof TypeError && link.message === 'fetch failed') ||
      link instanceof OutboundRefused,
  );
  return unreachable ? errors.IDENTITY_PROVIDER_UNAVAILABLE({ cause: error }) : errors.IDENTITY_PROVIDER_RESPONSE_INVALID({ cause: error });
}

/**
 * The protocol work, all of it openid-client's (every request through the outbound guard): discovery (cached per
 * provider and settings), PKCE, state, nonce, the code exchange and ID token validation. An ID token is taken from
 * the token endpoint over TLS, so its claims are checked (issuer, audience, expiry, nonce) and its signature is not
 * (OpenID Connect Core 3.1.3.7): the TLS channel already says who sent it.
 */
export function createProtocol(publicUrl: string, outbound: Outbound) {
  const guardedFetch = outbound.fetch as client.CustomFetch;
  const guarded = { [client.customFetch]: guardedFetch };
  const cache = new Map<string, { fingerprint: string; configuration: Promise<client.Configuration> }>();
  const callbackUrl = (slug: string) => `${publicUrl}/auth/oauth/${slug}/callback`;

  async function discover(provider: Provider) {
    const discovered = await client.discovery(new URL(provider.issuer ?? ''), provider.clientId, undefined, undefined, {
      timeout: TIMEOUT_SECONDS,
      ...guarded,
    });
    const server = discovered.serverMetadata();
    // OpenID Connect's default client authentication is HTTP Basic; the body only where Basic is not offered.
    const methods = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    const authentication = methods.includes('client_secret_basic')
      ? client.ClientSecretBasic(provider.clientSecret)
      : client.ClientSecretPost(provider.clientSecret);
    return new client.Configuration(server, provider.clientId, undefined, authentication);
  }

  function configurationOf(provider: Provider): Promise<client.Configuration> {
    const fingerprint = createHash('sha256')
      .update([provider.kind, provider.issuer, provider.clientId, provider.clientSecret].join('\n'))
      .digest('hex');
    const cached = cache.get(provider.slug);
    if (cached?.fingerprint === fingerprint) return cached.configuration;
    const preset = presets[provider.kind];
    const configuration = (async () => {
      const made =
        preset.protocol === 'oidc'
          ? await discover(provider)
          : new client.Configuration(preset.server, provider.clientId, undefined, client.ClientSecretPost(provider.clientSecret));
      made.timeout = TIMEOUT_SECONDS;
      // The endpoints discovery found (token, keys, userinfo) are fetched through the guard too.
      made[client.customFetch] = guardedFetch;
      return made;
    })();
    // A failed discovery is tried again at the next sign-in, not remembered.
    configuration.catch(() => {
      if (cache.get(provider.slug)?.configuration === configuration) cache.delete(provider.slug);
    });
    cache.set(provider.slug, { fingerprint, configuration });
    return configuration;
  }

  /** The callback's authorization response → tokens (checked) → the person, as the provider describes them. */
  async function readIdentity(provider: Provider, callbackQuery: string, checks: ProviderChecks): Promise<ExternalIdentity> {
    const preset = presets[provider.kind];
    try {
      const configuration = await configurationOf(provider);
      const oidc = preset.protocol === 'oidc';
      const tokens = await client.authorizationCodeGrant(configuration, new URL(`${callbackUrl(provider.slug)}?${callbackQuery}`), {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(oidc ? { expectedNonce: checks.nonce } : {}),
        idTokenExpected: oidc,
      });
      if (preset.protocol === 'oauth2') return await preset.readIdentity(configuration, tokens.access_token);
      const claims = { ...tokens.claims() } as Record<string, unknown>;
      // Providers that keep ID tokens small put the address in UserInfo only.
      if (claims.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
        Object.assign(claims, await client.fetchUserInfo(configuration, tokens.access_token, String(claims.sub)), { sub: claims.sub });
      }
      return identityFromClaims(preset, claims);
    } catch (error) {
      throw classify(error);
    }
  }

  return {
    callbackUrl,

    /** Where to send the person: the provider's authorization endpoint with our state, nonce and PKCE challenge. */
    async authorizationUrl(provider: Provider, checks: ProviderChecks): Promise<string> {
      try {
        const configuration = await configurationOf(provider);
        const oidc = presets[provider.kind].protocol === 'oidc';
        return client
          .buildAuthorizationUrl(configuration, {
            redirect_uri: callbackUrl(provider.slug),
            scope: provider.scopes.join(' '),
            state: checks.state,
            ...(oidc ? { nonce: checks.nonce } : {}),
            code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
            code_challenge_method: 'S256',
          })
          .toString();
      } catch (error) {
        throw errors.IDENTITY_PROVIDER_UNAVAILABLE({ cause: error });
      }
    },

    /** The callback's authorization response → tokens (checked) → the person, as far as Tessera trusts the provider. */
    async identityOf(provider: Provider, callbackQuery: string, checks: ProviderChecks): Promise<ExternalIdentity> {
      const identity = await readIdentity(provider, callbackQuery, checks);
      // An issuer not trusted to verify addresses vouches for none: a claim of it links to no account by address.
      return provider.trustEmailVerified ? identity : { ...identity, emailVerified: false };
    },
  };
}

export type Protocol = ReturnType<typeof createProtocol>;
