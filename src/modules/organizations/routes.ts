import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestMeta } from '../../http/request-meta.js';
import { requirePermission } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { ListQuery, UserList } from '../users/schemas.js';
import type { UsersService } from '../users/service.js';
import {
  CreateOrganizationBody,
  OrganizationEnvelope,
  OrganizationList,
  OrganizationParams,
  OrganizationView,
  UpdateOrganizationBody,
} from './schemas.js';
import type { OrganizationsService } from './service.js';

const tags = ['organizations'];

export const organizationRoutes: FastifyPluginAsyncTypebox<{ organizations: OrganizationsService; users: UsersService }> = async (
  app,
  { organizations, users },
) => {
  const read = requirePermission('organizations:read');
  const manage = requirePermission('organizations:manage');
  app.get(
    '/organizations',
    { config: read, schema: { tags, response: { 200: OrganizationList, ...problems(401, 403) } } },
    async (request) => ({
      data: await organizations.list(request.principal!),
    }),
  );
  app.post(
    '/organizations',
    {
      config: manage,
      schema: { tags, body: CreateOrganizationBody, response: { 201: OrganizationEnvelope, ...problems(400, 401, 403, 409) } },
    },
    async (request, reply) =>
      reply.status(201).send({ organization: await organizations.create(request.principal!, request.body, requestMeta(request)) }),
  );
  app.get(
    '/organizations/:id',
    { config: read, schema: { tags, params: OrganizationParams, response: { 200: OrganizationView, ...problems(401, 403, 404) } } },
    async (request) => organizations.get(request.principal!, request.params.id),
  );
  app.patch(
    '/organizations/:id',
    {
      config: manage,
      schema: {
        tags,
        params: OrganizationParams,
        body: UpdateOrganizationBody,
        response: { 200: OrganizationView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => organizations.update(request.principal!, request.params.id, request.body, requestMeta(request)),
  );
  app.delete(
    '/organizations/:id',
    { config: manage, schema: { tags, params: OrganizationParams, response: { 204: { type: 'null' }, ...problems(401, 403, 404) } } },
    async (request, reply) => {
      await organizations.remove(request.principal!, request.params.id, requestMeta(request));
      return reply.status(204).send();
    },
  );
  app.get(
    '/organizations/:id/users',
    {
      config: requirePermission('users:read'),
      schema: {
        tags,
        summary: "An organization's users (same filters as GET /users)",
        params: OrganizationParams,
        querystring: ListQuery,
        response: { 200: UserList, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await organizations.visible(request.principal!, request.params.id);
      return users.list(request.principal!, { ...request.query, organizationId: request.params.id });
    },
  );
};
