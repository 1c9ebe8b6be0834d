import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JWK } from 'jose';
import type { Account, Adapter, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../../config.js';
import { allPermissions } from '../../platform/permissions.js';
import { ACR_VALUES } from '../auth/service.js';
import type { PageWords } from '../hosted/service.js';
import { meetsAcr, requiredAcr } from './acr.js';
import { PERSON_SCOPES } from './applications.js';
import { scopeClaims } from './claims.js';
import { errors, interactionPolicy, Provider } from './provider-library.js';
import { secretMatches } from './secrets.js';
import { errorPage, escapeHtml, logoutPage, messagePage } from './views.js';

/** Where the provider's endpoints live; discovery stays at the root so that `issuer` + /.well-known resolves. */
export const MOUNT = '/oidc';
export const interactionPath = (uid: string) => `${MOUNT}/interaction/${uid}`;

const seconds = (ms: number) => Math.max(1, Math.floor(ms / 1000));

export interface ProviderOptions {
  config: Config;
  jwks: JWK[];
  adapter: new (model: string) => Adapter;
  findAccount(ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined>;
  /** Tessera's own API as a resource server: the audience its access tokens carry. */
  apiResource: string;
  /** After RP-initiated logout: Tessera's browser session ends too, and it is audited. */
  onLogout(ctx: KoaContextWithOIDC, accountId: string | undefined, clientId: string | undefined): Promise<void>;
  /** The hosted pages' words in a request's language, for the provider's own pages. */
  pageWords(req: IncomingMessage): Promise<PageWords>;
}

/**
 * The cookie-signing keys, derived from the signing keys (every node has them, and they rotate with them),
 * so no further secret has to be shared between nodes.
 */
const cookieKeys = (jwks: JWK[]) =>
  jwks.filter((key) => key.d).map((key) => createHash('sha256').update(`tessera oidc cookies\0${key.d}`).digest('base64url'));

/**
 * max_age against a sign-in time the provider holds in whole seconds: a sign-in in the same second as the request
 * may be older than max_age (max_age=0 always is), so such a request goes to the interaction page, which decides
 * to the millisecond (interactions.ts). The library's own check lets max_age=0 through within the second.
 */
const maxAgeCheck = () =>
  new interactionPolicy.Check('max_age', 'End-User authentication could not be obtained', 'login_required', (ctx) => {
    const { params, session, result } = ctx.oidc;
    if (params?.max_age === undefined || result?.login) return false;
    return !session?.loginTs || Math.floor(Date.now() / 1000) - session.loginTs >= Number(params.max_age);
  });

/**
 * The provider's prompts, with one rule for acr: a session weaker than the request's acr (acr_values, or an
 * essential acr claim; a stronger sign-in satisfies a weaker request) goes back to sign-in, where it is
 * stepped up. It replaces the library's own essential-acr checks, which want the exact value named.
 * Claims named in the `claims` parameter are not a consent of their own: only the granted scopes release
 * claims, so asking for `phone_number` by name gets nothing without the `phone` scope (and a first-party
 * application is not shown a consent page for it).
 */
function promptPolicy() {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  const consent = policy.get('consent');
  if (!login || !consent) throw new Error('oidc-provider has no login or consent prompt');
  consent.checks.remove('op_claims_missing');
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  const maxAge = login.checks.findIndex((check) => check.reason === 'max_age');
  login.checks.remove('max_age');
  login.checks.add(maxAgeCheck(), maxAge);
  login.checks.add(
    new interactionPolicy.Check(
      'acr_too_weak',
      'the requested authentication context could not be obtained',
      (ctx) => !meetsAcr((ctx.oidc.amr as string[] | undefined) ?? [], requiredAcr(ctx.oidc.params ?? {})),
      (ctx) => ({ acr: requiredAcr(ctx.oidc.params ?? {}) }),
    ),
  );
  return policy;
}

const firstParty = (client: { [key: string]: unknown } | undefined) => client?.['urn:tessera:first_party'] === true;

/**
 * oidc-provider configured for Tessera: applications from the database, keys from the signing-key store,
 * the hosted sign-in pages as the login screen, every lifetime explicit.
 */
export function buildProvider(options: ProviderOptions) {
  const { config, apiResource } = options;
  const accessTokenTtl = seconds(config.ACCESS_TOKEN_TTL);
  const configuration: Configuration = {
    adapter: options.adapter,
    findAccount: options.findAccount,
    jwks: { keys: options.jwks as never },
    cookies: { keys: cookieKeys(options.jwks), long: { httpOnly: true, sameSite: 'lax' }, short: { httpOnly: true, sameSite: 'lax' } },
    claims: scopeClaims,
    scopes: [...PERSON_SCOPES, ...allPermissions],
    extraClientMetadata: {
      properties: ['urn:tessera:first_party', 'urn:tessera:previous_secret_hash', 'urn:tessera:owner_id'],
    },
    responseTypes: ['code'],
    // redirect_uri is required of every authorization request (OpenID Connect Core 3.1.2.1), one registered URI or many.
    allowOmittingSingleRegisteredRedirectUri: false,
    // Published as acr_values_supported; what acr_values may ask for and what ID tokens carry as acr.
    acrValues: [...ACR_VALUES],
    // PKCE with S256 only (oidc-provider offers no other method); required of public clients, used by anyone.
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256', 'EdDSA'],
      userinfoSigningAlgValues: ['RS256', 'ES256', 'EdDSA'],
      introspectionSigningAlgValues: ['RS256', 'ES256', 'EdDSA'],
      authorizationSigningAlgValues: ['RS256', 'ES256', 'EdDSA'],
    },
    routes: {
      authorization: `${MOUNT}/auth`,
      backchannel_authentication: `${MOUNT}/backchannel`,
      code_verification: `${MOUNT}/device`,
      device_authorization: `${MOUNT}/device/auth`,
      end_session: `${MOUNT}/session/end`,
      introspection: `${MOUNT}/token/introspection`,
      jwks: `${MOUNT}/jwks`,
      pushed_authorization_request: `${MOUNT}/request`,
      registration: `${MOUNT}/reg`,
      revocation: `${MOUNT}/token/revocation`,
      token: `${MOUNT}/token`,
      userinfo: `${MOUNT}/me`,
      challenge: `${MOUNT}/challenge`,
      credential: `${MOUNT}/credential`,
    },
    interactions: { policy: promptPolicy(), url: (_ctx, interaction) => interactionPath(interaction.uid) },
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: seconds(config.OIDC_CODE_TTL),
      IdToken: seconds(config.OIDC_ID_TOKEN_TTL),
      Interaction: seconds(config.OIDC_INTERACTION_TTL),
      Session: seconds(config.OIDC_SESSION_TTL),
      Grant: seconds(config.OIDC_GRANT_TTL),
      RefreshToken: seconds(config.OIDC_REFRESH_TOKEN_TTL),
      // Flows Tessera does not offer; set so that no lifetime is left to a library default.
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
    },
    // Refresh tokens are rotated on every use; a used one presented again is refused and ends its grant.
    rotateRefreshToken: true,
    // First-party applications get a refresh token without prompt=consent; others only for offline_access.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || firstParty(client)),
    expiresWithSession: async (ctx, code) => !code.scopes.has('offline_access') && !firstParty(ctx.oidc.client),
    // First-party applications need no consent: their grant is made, or extended on a later request that
    // asks for more, with what they ask for.
    async loadExistingGrant(ctx) {
      const { client, session, params } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session?.grantIdFor(client?.clientId ?? '');
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!firstParty(client) || !client || !session?.accountId) return existing;
      const grant = existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      const before = JSON.stringify([grant.openid, grant.resources]);
      grant.addOIDCScope(String(params?.scope ?? 'openid'));
      const resource = params?.resource;
      if (typeof resource === 'string' && resource === apiResource) grant.addResourceScope(resource, String(params?.scope ?? ''));
      if (!existing || JSON.stringify([grant.openid, grant.resources]) !== before) await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      // For an essential acr claim (`{"id_token":{"acr":{"essential":true,"value":"aal2"}}}`), enforced like acr_values.
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Only the application a token was issued to learns about it (RFC 7662 §4): to anyone else it is
        // `active: false`. The only tokens for another audience are Tessera's API's JWTs, which are not introspectable.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(await options.pageWords(ctx.req), form, ctx.oidc.client?.clientName);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          const words = await options.pageWords(ctx.req);
          ctx.body = messagePage(words, words.t('oidc.signedOutTitle'), escapeHtml(words.t('oidc.signedOut')));
        },
      },
      resourceIndicators: {
        enabled: true,
        // A service's tokens are for Tessera's API unless it names another resource.
        defaultResource: async (ctx, _client, oneOf) =>
          oneOf ?? (ctx.oidc.params?.grant_type === 'client_credentials' ? apiResource : (undefined as unknown as string)),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== apiResource) throw new errors.InvalidTarget('unknown resource');
          // RFC 9068 access tokens, verified with the JWKS like Tessera's own.
          return {
            scope: allPermissions.join(' '),
            audience: apiResource,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // A single-page application may call the token endpoint from its own origins (those of its redirect URIs). A
    // native application's own scheme (com.example.app:/callback) has an opaque origin, serialized "null": the Origin
    // any sandboxed frame or data: page sends, so it is no origin of the application's.
    clientBasedCORS: (_ctx, origin, client) =>
      origin !== 'null' && (client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false),
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(await options.pageWords(ctx.req), out);
    },
  };
  const provider = new Provider(config.PUBLIC_URL, configuration);
  // The scheme and host always come from PUBLIC_URL (runtime.ts sets them), the client IP only behind TRUST_PROXY.
  provider.proxy = true;
  // Client secrets are stored as hashes: compare hashes, and accept the previous secret during its grace period.
  provider.Client.prototype.compareClientSecret = async function compare(this: Record<string, unknown>, actual: string) {
    return secretMatches(actual, [this.clientSecret as string | undefined, this['urn:tessera:previous_secret_hash'] as string | undefined]);
  };
  // After a confirmed "sign out" (not "only from this application"), before the answer leaves: the person's
  // Tessera browser session ends too, so the next application does not sign them straight back in.
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    if (oidc?.route === 'end_session_confirm' && oidc.params?.logout && ctx.status < 400)
      await options.onLogout(ctx as KoaContextWithOIDC, oidc.session?.accountId, oidc.client?.clientId);
  });
  return provider;
}
