import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { perMinute } from '../../http/rate-limit.js';
import { authenticated, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { IdParams, NoContent, problems } from '../../http/schemas.js';
import { sendSerializedOnce } from '../../http/serialized-once.js';
import { pagingErrors } from '../../platform/paging.js';
import type { SharedState } from '../../platform/shared-state.js';
import { accessErrors } from '../access/errors.js';
import { organizationErrors } from '../organizations/errors.js';
import { userErrors } from '../users/errors.js';
import { UserIdParams, UserSessionParams } from '../users/schemas.js';
import { authErrors as errors } from './errors.js';
import {
  ApiKeyBody,
  ApiKeyList,
  CreatedApiKey,
  LogoutBody,
  MeResponse,
  PageQuery,
  SessionList,
  SwitchOrganizationBody,
  TokenResponse,
} from './schemas.js';
import type { AuthService } from './service.js';

const tags = ['auth'];
const operation = operations(tags);
const limited = httpErrors.RATE_LIMITED;

/**
 * The signed-in user's own /auth routes, which a browser app calls often: limited per user or API key
 * (AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE), never per IP, so one office behind a NAT is not one budget.
 */
export const signedInRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; state: SharedState; perPrincipalLimit: number }> = async (
  app,
  { auth, state, perPrincipalLimit },
) => {
  // After the route guard (a root hook), so the principal is known.
  app.addHook(
    'preHandler',
    perMinute(state, perPrincipalLimit, ({ caller }) => `auth-principal:${caller.principal?.apiKeyId ?? caller.principal?.userId}`),
  );
  const done = { 204: NoContent, ...problems(limited) };
  const credentialChange = {
    204: NoContent,
    ...problems(accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED, limited),
  };

  app.get(
    '/me',
    operation(authenticated, {
      description:
        "Who the credentials belong to: the user's fields, roles, effective permissions (for an API key, only its scopes) and subscription plan. Answered from the node's memory in the common case, so clients may call it on every page.",
      summary: 'The signed-in user, roles and effective permissions',
      response: { 200: MeResponse, ...problems(userErrors.USER_NOT_FOUND, limited) },
    }),
    async (request, reply) => sendSerializedOnce(reply, await auth.me(signedIn(request.caller))),
  );

  app.post(
    '/switch-organization',
    operation(authenticated, {
      summary: 'Act in another of your organizations',
      description:
        "Moves this session to another organization you are an active member of and answers a new token pair for it, without signing in again: the access token's `org` claim names it and its roles are the ones held there (plus platform-wide ones). Earlier refresh tokens of the session are spent. Refused with 403 NOT_A_MEMBER for an organization you do not belong to or whose membership is suspended; not with an API key, nor while impersonated.",
      body: SwitchOrganizationBody,
      response: {
        200: TokenResponse,
        ...problems(
          organizationErrors.NOT_A_MEMBER,
          accessErrors.API_KEY_NOT_ALLOWED,
          accessErrors.IMPERSONATION_NOT_ALLOWED,
          errors.SESSION_ENDED,
          limited,
        ),
      },
    }),
    async (request) => auth.sessions.switchOrganization(signedIn(request.caller), request.body.organizationId),
  );

  app.post(
    '/logout',
    operation(
      { ...authenticated, optionalBody: true },
      {
        description:
          'Ends the session of the access token; with the refresh token in the body, that token stops working at once too. Access tokens already issued expire on their own. The body may be left out.',
        summary: 'End this session',
        body: LogoutBody,
        response: done,
      },
    ),
    async (request) => {
      await auth.sessions.logout(signedIn(request.caller), request.body?.refreshToken);
    },
  );

  app.post(
    '/logout-all',
    operation(authenticated, {
      description:
        'Ends every session of the signed-in user on every device, this one included: each refresh token stops working and each access token is refused. Not with an API key.',
      summary: 'End every session of this user',
      response: credentialChange,
    }),
    async (request) => {
      await auth.sessions.logoutAll(signedIn(request.caller));
    },
  );

  app.get(
    '/sessions',
    operation(authenticated, {
      description:
        "The signed-in user's sessions that have not ended, newest first: when each started and was last used, from which IP and browser, and which one is this. Pass the answer's `nextCursor` back as `cursor` for the next page.",
      summary: 'Your live sessions',
      querystring: PageQuery,
      response: { 200: SessionList, ...problems(pagingErrors.INVALID_CURSOR, limited) },
    }),
    async (request) => auth.sessions.list(signedIn(request.caller), request.query),
  );

  app.delete(
    '/sessions/:id',
    operation(authenticated, {
      description: 'Ends one session of your own, for a device you lost or no longer use; its tokens stop working at once.',
      summary: 'End one of your sessions',
      params: IdParams,
      response: {
        204: NoContent,
        ...problems(errors.SESSION_NOT_FOUND, accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED, limited),
      },
    }),
    async (request) => {
      await auth.sessions.end(signedIn(request.caller), request.params.id);
    },
  );

  app.get(
    '/api-keys',
    operation(authenticated, {
      description:
        "Your API keys, newest first, with their names, scopes, expiry and last use. The secret is shown only once, when a key is created. Pass the answer's `nextCursor` back as `cursor` for the next page.",
      summary: 'Your API keys (never their secrets)',
      querystring: PageQuery,
      response: { 200: ApiKeyList, ...problems(pagingErrors.INVALID_CURSOR, limited) },
    }),
    async (request) => auth.apiKeys.list(signedIn(request.caller), request.query),
  );

  app.post(
    '/api-keys',
    operation(
      { ...authenticated, stepUp: true },
      {
        description:
          'A key acts as you with at most the scopes given, which must be permissions you hold (SCOPE_NOT_HELD). Send it as `x-api-key` or as a Bearer token. Store the secret: it is never shown again. Only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED (a key is a way in that a password reset leaves).',
        summary: 'Create an API key; its secret is shown this once',
        body: ApiKeyBody,
        response: {
          201: CreatedApiKey,
          ...problems(
            accessErrors.UNKNOWN_PERMISSION,
            accessErrors.INVALID_EXPIRY,
            errors.SCOPE_NOT_HELD,
            userErrors.EMAIL_NOT_VERIFIED,
            accessErrors.API_KEY_NOT_ALLOWED,
            accessErrors.IMPERSONATION_NOT_ALLOWED,
            limited,
          ),
        },
      },
    ),
    (request) => auth.apiKeys.create(signedIn(request.caller), request.body),
  );

  app.delete(
    '/api-keys/:id',
    operation(authenticated, {
      description:
        'Revokes one of your API keys, and the keys it made; requests with it answer 401 from then on. Not with an API key, nor while impersonated.',
      summary: 'Revoke an API key',
      params: IdParams,
      response: {
        204: NoContent,
        ...problems(errors.API_KEY_NOT_FOUND, accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED, limited),
      },
    }),
    async (request) => {
      await auth.apiKeys.revoke(signedIn(request.caller), request.params.id);
    },
  );
};

/** A user's sessions for administrators (`sessions:manage`), or for the user through `me`. */
export const userSessionRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  const policy = requirePermissionOrSelf('sessions:manage');
  const endingErrors = [
    userErrors.USER_NOT_FOUND,
    accessErrors.ACCOUNT_HOLDS_MORE_ACCESS,
    accessErrors.API_KEY_NOT_ALLOWED,
    accessErrors.IMPERSONATION_NOT_ALLOWED,
  ];
  const ending = problems(...endingErrors);
  app.get(
    '/users/:id/sessions',
    operation(policy, {
      tags: ['users'],
      description:
        "The live sessions of a user (`me` for your own), newest first: start, last use, IP and browser of each. Pass the answer's `nextCursor` back as `cursor` for the next page.",
      summary: "A user's live sessions",
      params: UserIdParams,
      querystring: PageQuery,
      response: { 200: SessionList, ...problems(userErrors.USER_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => auth.sessions.listOfUser(signedIn(request.caller), request.params.id, request.query),
  );
  app.delete(
    '/users/:id/sessions/:sessionId',
    operation(policy, {
      tags: ['users'],
      description:
        "Ends one session of the user (a lost or shared device): its refresh token stops working and its access tokens are refused from the next request; the user's other sessions go on. Not on an account holding more access than the caller, nor with an API key.",
      summary: "End one of a user's sessions",
      params: UserSessionParams,
      response: { 204: NoContent, ...problems(...endingErrors, errors.SESSION_NOT_FOUND) },
    }),
    async (request) => {
      await auth.sessions.endOneOfUser(signedIn(request.caller), request.params.id, request.params.sessionId);
    },
  );
  app.delete(
    '/users/:id/sessions',
    operation(policy, {
      tags: ['users'],
      description:
        'Ends every session of the user: their refresh tokens stop working and their access tokens are refused from the next request. Not on an account holding more access than the caller, nor with an API key.',
      summary: 'Sign a user out everywhere',
      params: UserIdParams,
      response: { 204: NoContent, ...ending },
    }),
    async (request) => {
      await auth.sessions.endAllOfUser(signedIn(request.caller), request.params.id);
    },
  );
};
