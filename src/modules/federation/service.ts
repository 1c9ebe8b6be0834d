import * as client from 'openid-client';
import type { AppContext } from '../../context.js';
import type { Caller } from '../../platform/caller.js';
import { createOutbound } from '../../platform/outbound.js';
import { type Codes, createCodes, HOSTED_CODE_PROVIDER } from './codes.js';
import type { FederationDeps } from './deps.js';
import { federationErrors } from './errors.js';
import { createFlow } from './flow.js';
import { createIdentities } from './identities.js';
import { createProtocol } from './protocol.js';
import { createProviders } from './providers.js';
import * as flows from './queries.flows.js';
import { createTestSignIn } from './test-sign-in.js';

/**
 * Social and enterprise sign-in: identity providers (admin API and OAUTH_* settings), the
 * authorization-code flow with them, the accounts it creates or links, and people's linked identities.
 * Wired after auth: a finished sign-in ends in auth's sign-in pipeline (signIn.complete), like a password one.
 */
/** What federation publishes: the providers' admin API, the sign-in flow and its codes, identities, cleanup. */
/** An app's request from the hosted sign-in page, for a browser signed in as `userId` with `amr`. */
export interface AppCodeRequest {
  userId: string;
  amr: string[];
  redirectUri: string;
  codeChallenge: string;
  state?: string;
}

export interface FederationService extends ReturnType<typeof createFlow> {
  providers: ReturnType<typeof createProviders>;
  exchangeCode: Codes['exchange'];
  /** Whether an app's redirect URI is on OAUTH_REDIRECT_ALLOWLIST (compared exactly). */
  redirectAllowed(redirectUri: string): boolean;
  /**
   * The page of Tessera's own where a browser whose return from a provider matches no sign-in (too late, the back
   * button, another browser's link) is told to start again; registered at wiring time by the module that serves it.
   */
  showUnknownReturnsAt(pageUrl: string): void;
  /** That page, if one is registered: without it such a return answers problem+json, as it does to an app. */
  unknownReturnPage(): string | undefined;
  /** The hosted sign-in page's app round trip: the URL (with a one-time code) to send the browser back to. */
  /** A code for an app from a signed-in browser: its exchange signs in as that browser's session was proven (`amr`). */
  issueAppCode(caller: Caller, input: AppCodeRequest): Promise<string>;
  completeLink: Codes['completeLink'];
  identities: ReturnType<typeof createIdentities>;
  /** What this module holds about a user (their linked identities), for their GDPR export. */
  exportParts: { identities: ReturnType<typeof createIdentities>['listOf'] };
  /**
   * The administrator's check of a provider's settings: discovery (OIDC) and the authorization request
   * built exactly as a sign-in builds it. Answers where a sign-in would go; the provider unreachable or
   * its discovery refused answers IDENTITY_PROVIDER_UNAVAILABLE.
   */
  /** The enabled providers a sign-in page offers a button for, in the order they are listed. */
  signInProviders(): Promise<{ slug: string; displayName: string }[]>;
  testProvider(id: string): Promise<{ authorizationEndpoint: string; callbackUrl: string; scopes: string[] }>;
  /**
   * An administrator's real sign-in with a provider that signs nobody in: the provider's answer and what
   * Tessera would do with it (see test-sign-in.ts).
   */
  testSignIn: Pick<ReturnType<typeof createTestSignIn>, 'start' | 'result'>;
  /** Unfinished flows and spent codes go (a used code is kept a day so that its replay is still recognised). */
  deleteExpired(): Promise<void>;
}

export function createFederationService(context: AppContext, deps: FederationDeps): FederationService {
  const db = context.database.primary;
  // Every address a provider has is an administrator's word: fetched through the outbound guard only.
  const outbound = createOutbound({ allowPrivate: context.config.ALLOW_PRIVATE_NETWORK_TARGETS });
  const kit = {
    ...deps,
    context,
    providers: createProviders(db, context.config, deps.useCases, outbound),
    protocol: createProtocol(context.config.PUBLIC_URL, outbound),
  };
  const codes = createCodes(kit);
  const identities = createIdentities(kit);
  const testSignIn = createTestSignIn(kit);
  const flow = createFlow(kit, codes, testSignIn);
  let unknownReturnPage: string | undefined;
  return {
    providers: kit.providers,
    authorize: flow.authorize,
    callback: flow.callback,
    trustOwnRedirect: flow.trustOwnRedirect,
    exchangeCode: codes.exchange,
    /** Whether an app's redirect URI is on OAUTH_REDIRECT_ALLOWLIST (compared exactly). */
    redirectAllowed: (redirectUri: string) => context.config.OAUTH_REDIRECT_ALLOWLIST.includes(redirectUri),
    showUnknownReturnsAt(pageUrl: string) {
      if (!pageUrl.startsWith(`${context.config.PUBLIC_URL}/`)) throw new Error(`${pageUrl} is not under PUBLIC_URL`);
      unknownReturnPage = pageUrl;
    },
    unknownReturnPage: () => unknownReturnPage,
    /**
     * The hosted sign-in page's app round trip: a person signed in in this browser is sent back to an
     * allow-listed app with a one-time code for its PKCE challenge, redeemed at POST /auth/oauth/token like
     * a social sign-in's. Answers the URL to send the browser to.
     */
    async issueAppCode(caller: Caller, input: AppCodeRequest) {
      if (!context.config.OAUTH_REDIRECT_ALLOWLIST.includes(input.redirectUri)) throw federationErrors.REDIRECT_URI_NOT_ALLOWED();
      const { userId, codeChallenge, amr } = input;
      const code = await deps.useCases.run(caller, (tx) =>
        codes.mint(tx, { provider: HOSTED_CODE_PROVIDER, purpose: 'sign_in', userId, codeChallenge, amr }),
      );
      const url = new URL(input.redirectUri);
      url.searchParams.set('code', code);
      if (input.state) url.searchParams.set('state', input.state);
      return url.toString();
    },
    async signInProviders() {
      const providers = await kit.providers.list();
      return providers.filter((provider) => provider.enabled).map(({ slug, displayName }) => ({ slug, displayName }));
    },
    async testProvider(id: string) {
      const provider = await kit.providers.settingsOf(id);
      // Throwaway checks: nothing is stored, so the URL built here can start no sign-in.
      const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
      const url = new URL(await kit.protocol.authorizationUrl(provider, checks));
      return {
        authorizationEndpoint: `${url.origin}${url.pathname}`,
        callbackUrl: kit.protocol.callbackUrl(provider.slug),
        scopes: provider.scopes,
      };
    },
    testSignIn: { start: testSignIn.start, result: testSignIn.result },
    completeLink: codes.completeLink,
    identities,
    exportParts: { identities: identities.listOf },
    deleteExpired: () => flows.deleteExpired(db),
  };
}
