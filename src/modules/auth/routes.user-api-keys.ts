import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { operations } from '../../http/operation.js';
import { requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { NoContent, problems, Uuid } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { accessErrors } from '../access/errors.js';
import { userErrors } from '../users/errors.js';
import { UserIdParams } from '../users/schemas.js';
import { authErrors as errors } from './errors.js';
import { ApiKeyList, PageQuery } from './schemas.js';
import type { AuthService } from './service.js';

const operation = operations(['users']);

const UserApiKeyParams = Type.Object({ ...UserIdParams.properties, keyId: Uuid });

/**
 * A user's API keys for administrators. Keys are credentials that act as their owner, like sessions: the
 * permission that lists and ends a user's sessions (`sessions:manage`) lists and revokes their keys.
 */
export const userApiKeyRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  const policy = requirePermissionOrSelf('sessions:manage');
  app.get(
    '/users/:id/api-keys',
    operation(policy, {
      summary: "A user's API keys (never their secrets)",
      description:
        "The live API keys of a user (`me` for your own), newest first: name, prefix, scopes, expiry and last use. Pass the answer's `nextCursor` back as `cursor` for the next page.",
      params: UserIdParams,
      querystring: PageQuery,
      response: { 200: ApiKeyList, ...problems(userErrors.USER_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => auth.apiKeys.listOfUser(signedIn(request.caller), request.params.id, request.query),
  );
  app.delete(
    '/users/:id/api-keys/:keyId',
    operation(policy, {
      summary: "Revoke a user's API key",
      description:
        'Revokes the key and every key made with it; requests with them answer 401 from then on. Not on an account holding more access than the caller, nor with an API key or while impersonating.',
      params: UserApiKeyParams,
      response: {
        204: NoContent,
        ...problems(
          userErrors.USER_NOT_FOUND,
          errors.API_KEY_NOT_FOUND,
          accessErrors.ACCOUNT_HOLDS_MORE_ACCESS,
          accessErrors.API_KEY_NOT_ALLOWED,
          accessErrors.IMPERSONATION_NOT_ALLOWED,
        ),
      },
    }),
    async (request) => {
      await auth.apiKeys.revokeOfUser(signedIn(request.caller), request.params.id, request.params.keyId);
    },
  );
};
