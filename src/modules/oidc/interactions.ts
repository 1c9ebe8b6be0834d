import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionResults } from 'oidc-provider';
import { AppError } from '../../http/errors.js';
import type { Caller } from '../../platform/caller.js';
import { acrOf } from '../auth/service.js';
import type { DomainUseCases } from '../events.js';
import type { BrowserSession, PageWords } from '../hosted/service.js';
import { meetsAcr, requiredAcr } from './acr.js';
import { signInTime } from './browser-sign-in.js';
import { oidcErrors as errors } from './errors.js';
import { interactionPath } from './provider.js';
import { errors as providerErrors } from './provider-library.js';
import type { ProviderRuntime } from './runtime.js';
import { consentPage, continuePage } from './views.js';

/** What the interaction page answers: a redirect, or a page to show. */
export type InteractionStep = { redirect: string } | { html: string };

type Raw = { req: IncomingMessage; res: ServerResponse };
type Provider = Awaited<ReturnType<ProviderRuntime['provider']>>;
type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** What the interaction holds of its sign-in page until it is done: the Tessera session the browser held when sent. */
const signInAsked = (interaction: Interaction) => interaction.result?.signInAsked as { held: string | null } | undefined;

/** The hosted pages' step-up: the page that makes this browser's sign-in stronger, or undefined when it is strong enough. */
export type StepUp = (caller: Caller, session: BrowserSession, returnTo: string) => Promise<string | undefined>;

/**
 * The provider's interaction screens. Sign-in is the hosted sign-in page: a browser session that satisfies
 * the request (fresh enough for max_age, begun after the request for prompt=login) finishes it at once;
 * otherwise the person is sent to sign in and comes back here. Third-party applications then ask for consent.
 */
export function createInteractions(
  runtime: ProviderRuntime,
  useCases: DomainUseCases,
  stepUp: StepUp,
  pageWords: (req: IncomingMessage) => Promise<PageWords>,
) {
  async function details({ req, res }: Raw) {
    const provider = await runtime.provider();
    try {
      return { provider, interaction: await provider.interactionDetails(runtime.issuerRequest(req), res) };
    } catch (error) {
      if (error instanceof providerErrors.SessionNotFound) throw errors.INTERACTION_NOT_FOUND({ cause: error });
      throw error;
    }
  }

  const finish = async (raw: Raw, provider: Provider, result: InteractionResults) => ({
    html: continuePage(
      await pageWords(raw.req),
      await provider.interactionResult(raw.req, raw.res, result, { mergeWithLastSubmission: false }),
    ),
  });

  /** The step-up page, or why none can make the sign-in strong enough (second factors turned off for the person). */
  async function strengthen(
    caller: Caller,
    session: BrowserSession,
    returnTo: string,
  ): Promise<{ redirect: string } | { error: string; error_description: string }> {
    try {
      const page = await stepUp(caller, session, returnTo);
      if (page) return { redirect: page };
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'MFA_DISABLED') throw error;
    }
    return {
      error: 'unmet_authentication_requirements',
      error_description: 'A second factor is required and cannot be used by this account.',
    };
  }

  /**
   * Whether this browser's Tessera session is fresh enough for the request. A session this browser did not hold
   * when the request sent it to the sign-in page (`signInAsked`) is a sign-in made since, so it satisfies
   * prompt=login and any max_age; compared by session, not by clock, so no rounding or clock skew decides.
   */
  function satisfies(session: BrowserSession | undefined, interaction: Interaction) {
    if (!session) return false;
    const asked = signInAsked(interaction);
    if (asked && session.sessionId !== asked.held) return true;
    // prompt=login: the person signs in again, after this request began.
    if (interaction.prompt.reasons.includes('login_prompt')) return false;
    const maxAge = interaction.params.max_age === undefined ? undefined : Number(interaction.params.max_age);
    return maxAge === undefined || Date.now() - session.authTime.getTime() <= maxAge * 1000;
  }

  /** Sends the person to the sign-in page, remembering which session (if any) this browser held then. */
  async function sendToSignIn(raw: Raw, provider: Provider, interaction: Interaction, session: BrowserSession | undefined) {
    await provider.interactionResult(
      raw.req,
      raw.res,
      { signInAsked: { held: session?.sessionId ?? null } },
      { mergeWithLastSubmission: false },
    );
    const query = new URLSearchParams({ return_to: interactionPath(interaction.uid) });
    // Signed in, but not recently enough for this request: the sign-in form, for the same person.
    if (session) query.set('prompt', 'login');
    if (typeof interaction.params.login_hint === 'string') query.set('login_hint', interaction.params.login_hint);
    return { redirect: `/sign-in?${query}` };
  }

  return {
    async show(raw: Raw, caller: Caller, session: BrowserSession | undefined): Promise<InteractionStep> {
      const { provider, interaction } = await details(raw);
      const { prompt, params, uid } = interaction;
      if (prompt.name === 'login') {
        if (satisfies(session, interaction) && session) {
          // An application asking for a stronger sign-in (acr_values aal2) gets it: the person proves a
          // second factor on the hosted pages, which come back here with the stronger session.
          if (!meetsAcr(session.amr, requiredAcr(params))) {
            const stronger = await strengthen(caller, session, interactionPath(uid));
            return 'redirect' in stronger ? stronger : finish(raw, provider, stronger);
          }
          // The provider's session holds this Tessera sign-in, and is let go with it (browser-sign-in.ts).
          const login = { accountId: session.userId, acr: acrOf(session.amr), amr: session.amr, ts: signInTime(session), remember: true };
          return finish(raw, provider, { login });
        }
        return sendToSignIn(raw, provider, interaction, session);
      }
      const client = await provider.Client.find(String(params.client_id));
      const missing = [...((prompt.details.missingOIDCScope as string[] | undefined) ?? [])];
      for (const scopes of Object.values((prompt.details.missingResourceScopes as Record<string, string[]> | undefined) ?? {}))
        missing.push(...scopes);
      return {
        html: consentPage(await pageWords(raw.req), {
          uid,
          clientName: client?.clientName ?? String(params.client_id),
          scopes: [...new Set(missing)],
        }),
      };
    },

    async confirm(raw: Raw, caller: Caller, decision: 'allow' | 'deny'): Promise<InteractionStep> {
      const { provider, interaction } = await details(raw);
      const { prompt, params, session, grantId } = interaction;
      if (prompt.name !== 'consent' || !session) throw errors.INTERACTION_NOT_FOUND();
      if (decision === 'deny') {
        return finish(raw, provider, { error: 'access_denied', error_description: 'The person declined the request.' });
      }
      const clientId = String(params.client_id);
      const grant = (grantId && (await provider.Grant.find(grantId))) || new provider.Grant({ accountId: session.accountId, clientId });
      const scopes = (prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      if (scopes.length > 0) grant.addOIDCScope(scopes.join(' '));
      const claims = prompt.details.missingOIDCClaims as string[] | undefined;
      if (claims?.length) grant.addOIDCClaims(claims);
      for (const [resource, resourceScopes] of Object.entries((prompt.details.missingResourceScopes as Record<string, string[]>) ?? {}))
        grant.addResourceScope(resource, resourceScopes.join(' '));
      const saved = await grant.save();
      await useCases.run(caller, async (_tx, emit) =>
        emit({ type: 'oidc.consent_granted', entityId: session.accountId, payload: { clientId, scopes } }),
      );
      return finish(raw, provider, { consent: { grantId: saved } });
    },
  };
}

export type Interactions = ReturnType<typeof createInteractions>;
