import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { publicRoute } from '../../http/route-policy.js';
import { SetupStatus } from './schemas.js';
import type { UsersService } from './service.js';

const operation = operations(['users']);

/**
 * Whether the first admin is still to be made: the console's sign-in page says how. Public, and it tells
 * nothing more than "no user yet".
 */
export const setupRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/setup',
    operation(publicRoute, {
      operationId: 'getSetupStatus',
      summary: 'Whether the first admin is still to be made',
      description: 'Public: true only while the database has no user at all (make one with `tessera create-admin`).',
      security: [],
      response: { 200: SetupStatus },
    }),
    async () => ({ firstAdminNeeded: await users.firstAdminNeeded() }),
  );
};
