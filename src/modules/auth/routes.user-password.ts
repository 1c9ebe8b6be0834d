import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { accessErrors } from '../access/errors.js';
import { userErrors } from '../users/errors.js';
import { UserIdParams } from '../users/schemas.js';
import { SetPasswordBody } from './schemas.js';
import type { AuthService } from './service.js';

const operation = operations(['users']);

/** An administrator sets a user's password, temporary (to be replaced at the next sign-in) or not. */
export const userPasswordRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  app.put(
    '/users/:id/password',
    operation(
      { ...requirePermission('users:write'), stepUp: true },
      {
        description:
          "An administrator sets the password of a user in their tenancy. With `temporary: true` the user must choose a new one at their next sign-in. The user's sessions end either way.",
        summary: "Set a user's password; `temporary: true` makes their next sign-in replace it (ends their sessions)",
        params: UserIdParams,
        body: SetPasswordBody,
        response: {
          204: NoContent,
          ...problems(
            userErrors.USER_NOT_FOUND,
            accessErrors.ACCOUNT_HOLDS_MORE_ACCESS,
            accessErrors.API_KEY_NOT_ALLOWED,
            accessErrors.IMPERSONATION_NOT_ALLOWED,
          ),
        },
      },
    ),
    async (request) => {
      await auth.setPassword(signedIn(request.caller), request.params.id, request.body);
    },
  );
};
