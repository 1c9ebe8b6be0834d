import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { perMinute } from '../../http/rate-limit.js';
import { authenticated, requirePermission, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import type { SharedState } from '../../platform/shared-state.js';
import { accessErrors } from '../access/errors.js';
import { userErrors } from '../users/errors.js';
import { federationErrors as errors } from './errors.js';
import { CodeExchangeBody, IdentityEnvelope, IdentityList, IdentityParams, UserIdentityParams } from './schemas.js';
import type { FederationService } from './service.js';

const tags = ['social sign-in'];
const operation = operations(tags);

/** The caller's own linked identities, limited per principal (AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE) like auth's /auth routes. */
// A way to sign in is linked or unlinked in a signed-in session: never with an API key or while impersonated.
const signedInSessionOnly = [accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED];

export const ownIdentityRoutes: FastifyPluginAsyncTypebox<{
  federation: FederationService;
  state: SharedState;
  perPrincipalLimit: number;
}> = async (own, { federation, state, perPrincipalLimit }) => {
  const { identities } = federation;
  own.addHook(
    'preHandler',
    perMinute(state, perPrincipalLimit, ({ caller }) => `auth-principal:${caller.principal?.apiKeyId ?? caller.principal?.userId}`),
  );
  const limited = problems(httpErrors.RATE_LIMITED);

  own.get(
    '',
    operation(authenticated, {
      description: 'The identity providers your account is linked to, with the email each provider reported.',
      summary: 'Your linked identities',
      response: { 200: IdentityList, ...limited },
    }),
    async (request) => ({ data: await identities.list(signedIn(request.caller)) }),
  );
  own.post(
    '',
    operation(authenticated, {
      description:
        'Completes GET /auth/oauth/{provider}/authorize?link=true: send the one-time code it redirected with and your PKCE verifier. An identity already linked to another account answers 409. Only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED (a linked identity is a way in that a password reset leaves).',
      summary: 'Finish linking a provider: the code of a link=true sign-in and your PKCE verifier',
      body: CodeExchangeBody,
      response: {
        201: IdentityEnvelope,
        ...problems(
          errors.OAUTH_CODE_INVALID,
          errors.IDENTITY_ALREADY_LINKED,
          userErrors.EMAIL_NOT_VERIFIED,
          ...signedInSessionOnly,
          httpErrors.RATE_LIMITED,
        ),
      },
    }),
    async (request) => ({ identity: await federation.completeLink(signedIn(request.caller), request.body) }),
  );
  own.delete(
    '/:id',
    operation(authenticated, {
      description:
        'Removes the link to one provider. Refused when it is your only way to sign in (no password and no other identity): LAST_SIGN_IN_METHOD.',
      summary: 'Unlink one of your identities (not your last way to sign in)',
      params: IdentityParams,
      response: {
        204: NoContent,
        ...problems(errors.IDENTITY_NOT_FOUND, errors.LAST_SIGN_IN_METHOD, ...signedInSessionOnly, httpErrors.RATE_LIMITED),
      },
    }),
    async (request) => {
      await identities.unlinkOwn(signedIn(request.caller), request.params.id);
    },
  );
};

/** An administrator's side: a user's identities are read with GET /users/:id?include=identities. */
export const userIdentityRoutes: FastifyPluginAsyncTypebox<{ federation: FederationService }> = async (app, { federation }) => {
  app.delete(
    '/users/:id/identities/:identityId',
    operation(requirePermission('users:write'), {
      tags: ['users'],
      description:
        'An administrator removes a provider link of a user in their tenancy; the user then signs in with their password or another identity. A linked identity is a way to sign in: it changes in a signed-in session only, not with an API key or while impersonating. Your own identity keeps the rule of DELETE /auth/identities/{id} (LAST_SIGN_IN_METHOD).',
      summary: "Unlink one of a user's identities (see them with GET /users/:id?include=identities)",
      params: UserIdentityParams,
      response: {
        204: NoContent,
        ...problems(
          userErrors.USER_NOT_FOUND,
          accessErrors.ACCOUNT_HOLDS_MORE_ACCESS,
          errors.IDENTITY_NOT_FOUND,
          errors.LAST_SIGN_IN_METHOD,
          ...signedInSessionOnly,
        ),
      },
    }),
    async (request) => {
      await federation.identities.unlinkOfUser(signedIn(request.caller), request.params.id, request.params.identityId);
    },
  );
};
