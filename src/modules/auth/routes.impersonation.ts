import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { accessErrors } from '../access/errors.js';
import { userErrors } from '../users/errors.js';
import { UserIdParams } from '../users/schemas.js';
import { authErrors as errors } from './errors.js';
import { ImpersonationBody, ImpersonationToken } from './schemas.js';
import type { AuthService } from './service.js';

const operation = operations(['users']);

/** Support acting as a user: a short access token with an `act` claim, audited on every request. */
export const impersonationRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  app.post(
    '/users/:id/impersonate',
    operation(requirePermission('users:impersonate'), {
      summary: 'Act as a user (support)',
      description:
        'Answers an access token for the user, valid at most 30 minutes and never refreshed, carrying `act: { sub: <you> }` (RFC 8693). ' +
        'Every request made with it is audited with both the user and you; the user sees the session in their session list. ' +
        'Refused for a super-admin, an account holding access you do not hold, yourself, an API key, or from another impersonation. ' +
        'Routes that change credentials, factors or API keys refuse the token. End it with POST /auth/logout.',
      params: UserIdParams,
      body: ImpersonationBody,
      response: {
        201: ImpersonationToken,
        ...problems(userErrors.USER_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, errors.IMPERSONATION_REFUSED),
      },
    }),
    (request) => auth.impersonate(signedIn(request.caller), request.params.id, request.body.reason),
  );
};
