import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { asksForPage, toAppError } from '../../http/problem.js';
import { addCredentialBudget, keepCredentialCount, perIpTokenExchangeLimit, provesCredential } from '../../http/rate-limit.js';
import { publicRoute, signedInIfCredentials } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import type { SharedState } from '../../platform/shared-state.js';
import { authErrors } from '../auth/errors.js';
import { LoginResponse } from '../auth/schemas.js';
import { userErrors } from '../users/errors.js';
import { federationErrors as errors } from './errors.js';
import { AuthorizationUrl, AuthorizeQuery, CallbackQuery, CodeExchangeBody, ProviderParams } from './schemas.js';
import type { FederationService } from './service.js';

const operation = operations(['social sign-in']);
const limited = httpErrors.RATE_LIMITED;
const Redirect = (description: string) => ({ type: 'null', description }) as const;

/**
 * /auth/oauth/:provider/authorize: a start checks nothing (the provider's return is what proves someone), so each IP
 * has the token budget (AUTH_TOKEN_RATE_LIMIT_PER_MINUTE) against a flood, not the credential routes' one, where every
 * social sign-in would keep a count and an office behind one NAT would run out of sign-ins.
 */
export const oauthStartRoute: FastifyPluginAsyncTypebox<{ federation: FederationService; state: SharedState; perIpLimit: number }> = async (
  app,
  { federation, state, perIpLimit },
) => {
  app.addHook('onRequest', perIpTokenExchangeLimit(state, perIpLimit));

  app.get(
    '/:provider/authorize',
    operation(signedInIfCredentials, {
      summary: 'Start signing in (or, with link=true and a Bearer token, linking) with an identity provider',
      description:
        "Redirects to the provider. With `Accept: application/json` answers the URL instead (for an app that must read it). Linking (link=true) is only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED, before any trip to the provider. Limited per IP by AUTH_TOKEN_RATE_LIMIT_PER_MINUTE (429 with Retry-After), as refreshes are: a start checks nothing, the callback is what counts in the sign-in routes' budget.",
      params: ProviderParams,
      querystring: AuthorizeQuery,
      response: {
        200: AuthorizationUrl,
        302: Redirect("To the provider's authorization endpoint"),
        ...problems(
          errors.REDIRECT_URI_NOT_ALLOWED,
          errors.IDENTITY_PROVIDER_NOT_FOUND,
          errors.IDENTITY_PROVIDER_UNAVAILABLE,
          httpErrors.UNAUTHORIZED,
          userErrors.EMAIL_NOT_VERIFIED,
          limited,
        ),
      },
    }),
    async (request, reply) => {
      if (request.query.link && !request.caller.principal) throw httpErrors.UNAUTHORIZED();
      const authorizationUrl = await federation.authorize(request.caller, request.params.provider, request.query);
      if (request.headers.accept?.includes('application/json')) return { authorizationUrl };
      return reply.redirect(authorizationUrl, 302);
    },
  );
};

/**
 * /auth/oauth/:provider/callback: it finishes sign-ins, so each IP shares the credential routes' budget
 * (AUTH_RATE_LIMIT_PER_MINUTE) before anything else is read.
 */
export const oauthRoutes: FastifyPluginAsyncTypebox<{ federation: FederationService; state: SharedState; perIpLimit: number }> = async (
  app,
  { federation, state, perIpLimit },
) => {
  addCredentialBudget(app, state, perIpLimit);

  app.get(
    '/:provider/callback',
    operation(
      { ...publicRoute, ...provesCredential },
      {
        summary: 'Where the provider sends the person back (register this URL at the provider)',
        description:
          "Redirects to the app's redirect_uri with `code` (and the app's `state`), or with `error` (a Tessera problem code) and `error_description`. A missing, unknown, used or expired state answers 400 and redirects to no app: a browser asking for HTML is sent (303) to Tessera's page saying to start again, when the hosted pages serve one.",
        params: ProviderParams,
        querystring: CallbackQuery,
        response: {
          302: Redirect("To the app's redirect_uri"),
          303: Redirect("A browser's return that matches no sign-in: to Tessera's page saying to start again"),
          ...problems(errors.OAUTH_STATE_INVALID, limited),
        },
      },
    ),
    async (request, reply) => {
      const rawQuery = request.url.slice(request.url.indexOf('?') + 1);
      try {
        const target = await federation.callback(request.caller, request.params.provider, request.query.state, rawQuery);
        return reply.redirect(target, 302);
      } catch (error) {
        // A person is reading this answer (no app's redirect to send them to): raw problem+json would tell them nothing.
        const page = federation.unknownReturnPage();
        if (page && asksForPage(request) && toAppError(error).code === errors.OAUTH_STATE_INVALID.code) {
          keepCredentialCount(request);
          return reply.redirect(page, 303);
        }
        throw error;
      }
    },
  );
};

/**
 * POST /auth/oauth/token: an app redeems a one-time code nobody can guess, often from its own server for everyone
 * who signs in to it, so each IP has the token budget a refresh has (AUTH_TOKEN_RATE_LIMIT_PER_MINUTE), not the
 * credential routes' one.
 */
export const oauthTokenRoute: FastifyPluginAsyncTypebox<{ federation: FederationService; state: SharedState; perIpLimit: number }> = async (
  app,
  { federation, state, perIpLimit },
) => {
  app.addHook('onRequest', perIpTokenExchangeLimit(state, perIpLimit));

  app.post(
    '/token',
    operation(publicRoute, {
      summary: "Redeem the one-time code with the app's PKCE verifier: the same answer as /auth/login",
      description:
        "A code is good for 60 seconds, once: presenting it again answers 400 and ends the session it started. Limited per IP by AUTH_TOKEN_RATE_LIMIT_PER_MINUTE (429 with Retry-After), as refreshes are, apart from the sign-in routes' budget: an app's server may redeem the codes of everyone signing in to it.",
      body: CodeExchangeBody,
      response: { 200: LoginResponse, ...problems(errors.OAUTH_CODE_INVALID, authErrors.INVALID_CREDENTIALS, limited) },
    }),
    async (request) => federation.exchangeCode(request.caller, request.body),
  );
};
