import * as client from 'openid-client';
import type { Caller } from '../../platform/caller.js';
import { authErrors } from '../auth/errors.js';
import { assertMayLinkTo, createAccountResolution, Refusal, refusalOf } from './accounts.js';
import { type Codes, sha256 } from './codes.js';
import type { FederationKit } from './deps.js';
import { federationErrors as errors } from './errors.js';
import * as flows from './queries.flows.js';
import type { AuthorizeRequest } from './schemas.js';
import type { TestSignIn } from './test-sign-in.js';

/** Ten minutes to sign in at the provider; the flow is single use either way. */
const FLOW_TTL_MS = 10 * 60_000;

/** The app's redirect URI with our parameters added (its own query kept). */
function withParams(redirectUri: string, params: Record<string, string | null | undefined>) {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * The authorization-code dance with a provider: /authorize keeps the flow server-side (any node may take
 * the callback) and sends the person to the provider; /callback checks it all, signs the person in, or
 * creates or links the account, and sends them back to the app with a one-time code or `error=`.
 */
export function createFlow(
  kit: Pick<FederationKit, 'auth' | 'context' | 'protocol' | 'providers' | 'useCases' | 'users'>,
  codes: Codes,
  testSignIn: Pick<TestSignIn, 'finish'>,
) {
  const { useCases, providers, protocol, auth, context } = kit;
  const db = context.database.primary;
  // The apps' redirect URIs, and Tessera's own pages that finish a sign-in (hosted social sign-in).
  const allowlist = new Set(context.config.OAUTH_REDIRECT_ALLOWLIST);
  const resolution = createAccountResolution(kit);

  /** Sends the person back with a code, or records the refusal and sends them back with its code. */
  async function finish(caller: Caller, provider: string, flow: flows.FlowRow, work: () => Promise<Record<string, string>>) {
    const back = (params: Record<string, string>) => withParams(flow.redirectUri, { ...params, state: flow.appState });
    try {
      return back(await work());
    } catch (error) {
      const refusal = refusalOf(error);
      // Our own failures (the database) are ours to answer; the provider's unavailability is the app's to show.
      if (!refusal || (refusal.error.status >= 500 && refusal.error.code !== errors.IDENTITY_PROVIDER_UNAVAILABLE.code)) throw error;
      await useCases.run(caller, (_tx, emit) =>
        emit({
          type: 'federation.sign_in_refused',
          entityId: refusal.userId,
          actorId: refusal.userId,
          payload: { provider, reason: refusal.error.code },
        }),
      );
      return back({ error: refusal.error.code, error_description: refusal.error.detail });
    }
  }

  return {
    /**
     * A redirect URI of Tessera's own pages (the hosted sign-in's return from a provider), trusted like the
     * allow-list's; registered at wiring time by the module that serves it.
     */
    trustOwnRedirect(redirectUri: string) {
      if (!redirectUri.startsWith(`${context.config.PUBLIC_URL}/`)) throw new Error(`${redirectUri} is not under PUBLIC_URL`);
      allowlist.add(redirectUri);
    },

    /** Where the person goes next: the provider, with a flow stored for the callback. */
    async authorize(caller: Caller, slug: string, request: AuthorizeRequest) {
      // Exact match, checked before anything else: an unknown redirect_uri gets an answer, never a redirect.
      if (!allowlist.has(request.redirect_uri)) throw errors.REDIRECT_URI_NOT_ALLOWED();
      const provider = await providers.bySlug(db, slug);
      const linkUserId = request.link ? (caller.principal?.userId ?? null) : null;
      // Refused before the trip to the provider, as its finish (POST /auth/identities) would refuse it.
      if (linkUserId) await assertMayLinkTo(kit.users, db, linkUserId);
      const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
      const authorizationUrl = await protocol.authorizationUrl(provider, checks);
      await useCases.run(caller, (tx) =>
        flows.insertFlow(tx, {
          stateHash: sha256(checks.state),
          provider: slug,
          nonce: checks.nonce,
          codeVerifier: checks.codeVerifier,
          redirectUri: request.redirect_uri,
          codeChallenge: request.code_challenge,
          appState: request.state ?? null,
          linkUserId,
          expiresAt: new Date(Date.now() + FLOW_TTL_MS),
        }),
      );
      return authorizationUrl;
    },

    /** The provider sent the person back: the URL to send them on to (the app's, with `code` or `error`). */
    async callback(caller: Caller, slug: string, state: string | undefined, rawQuery: string) {
      // An administrator's test sign-in comes back here too (the provider knows one callback URL).
      const tested = state ? await testSignIn.finish(caller, slug, state, rawQuery) : undefined;
      if (tested) return tested;
      // Taken once, here: a replayed, forged or expired state finds nothing and nobody is redirected.
      const flow = state ? await useCases.run(caller, (tx) => flows.takeFlow(tx, sha256(state), slug)) : undefined;
      if (!state || !flow) throw errors.OAUTH_STATE_INVALID();
      return finish(caller, slug, flow, async () => {
        const provider = await providers.bySlug(db, slug);
        const identity = await protocol.identityOf(provider, rawQuery, { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
        const code = await useCases.run(caller, async (tx, emit) => {
          const base = { provider: slug, codeChallenge: flow.codeChallenge };
          if (flow.linkUserId) {
            await resolution.assertLinkable(tx, provider, identity, flow.linkUserId);
            const pending = { subject: identity.subject, email: identity.email, emailVerified: identity.emailVerified };
            return codes.mint(tx, { ...base, purpose: 'link', userId: flow.linkUserId, identity: pending });
          }
          const user = await resolution.resolveSignIn(tx, emit, provider, identity);
          // Exactly as at password login: a suspended, inactive or (where required) unverified account is refused.
          if (!auth.mayHoldSession(user)) throw new Refusal(authErrors.INVALID_CREDENTIALS(), user.id);
          return codes.mint(tx, { ...base, purpose: 'sign_in', userId: user.id });
        });
        return { code };
      });
    },
  };
}
