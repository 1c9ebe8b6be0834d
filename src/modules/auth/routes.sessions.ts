import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestMeta } from '../../http/request-meta.js';
import { authenticated } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { ApiKeyBody, ApiKeyList, CreatedApiKey, IdParams, SessionList } from './schemas.js';
import type { AuthService } from './service.js';

const tags = ['auth'];

/** A user's own sessions (devices) and API keys. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (app, { auth }) => {
  app.get(
    '/sessions',
    { config: authenticated, schema: { tags, summary: 'Your live sessions', response: { 200: SessionList, ...problems(401) } } },
    async (request) => ({ data: await auth.listSessions(request.principal!) }),
  );

  app.delete(
    '/sessions/:id',
    {
      config: authenticated,
      schema: { tags, summary: 'End one of your sessions', params: IdParams, response: { 204: { type: 'null' }, ...problems(401, 404) } },
    },
    async (request, reply) => {
      await auth.endSession(request.principal!, request.params.id, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.get(
    '/api-keys',
    {
      config: authenticated,
      schema: { tags, summary: 'Your API keys (never their secrets)', response: { 200: ApiKeyList, ...problems(401) } },
    },
    async (request) => ({ data: await auth.listApiKeys(request.principal!) }),
  );

  app.post(
    '/api-keys',
    {
      config: authenticated,
      schema: {
        tags,
        summary: 'Create an API key; its secret is shown this once',
        body: ApiKeyBody,
        response: { 201: CreatedApiKey, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.createApiKey(request.principal!, request.body, requestMeta(request))),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: authenticated,
      schema: { tags, summary: 'Revoke an API key', params: IdParams, response: { 204: { type: 'null' }, ...problems(401, 404) } },
    },
    async (request, reply) => {
      await auth.revokeApiKey(request.principal!, request.params.id, requestMeta(request));
      return reply.status(204).send();
    },
  );
};
