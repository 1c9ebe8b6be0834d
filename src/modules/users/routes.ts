import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requestMeta } from '../../http/request-meta.js';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { IdParams, problems } from '../../http/schemas.js';
import { resolveUserId } from '../access/tenancy.js';
import { SessionList } from '../auth/schemas.js';
import type { AuthService } from '../auth/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import {
  CheckEmailQuery,
  CheckEmailResult,
  CreateUserBody,
  DeleteQuery,
  DetailQuery,
  ListQuery,
  PatchUserBody,
  ReasonBody,
  ReplaceUserBody,
  UserDetail,
  UserIdParams,
  UserList,
  UserView,
} from './schemas.js';
import { assertSelfEditable } from './self-fields.js';
import type { UsersService } from './service.js';

const tags = ['users'];
const UserEnvelope = Type.Object({ user: UserView });

/** Seed 002's admin mapping and seed 004's user module: list, create, read, replace, patch, status, delete. */
export const userRoutes: FastifyPluginAsyncTypebox<{
  users: UsersService;
  auth: AuthService;
  organizations: OrganizationsService;
}> = async (app, { users, auth, organizations }) => {
  const db = users.db;

  app.get(
    '/users/:id/sessions',
    {
      config: requirePermissionOrSelf('sessions:manage'),
      schema: { tags, summary: "A user's live sessions", params: UserIdParams, response: { 200: SessionList, ...problems(401, 403, 404) } },
    },
    async (request) => {
      const user = await users.visibleUser(db, request.principal!, request.params.id);
      return { data: await auth.listSessions(request.principal!, user.id) };
    },
  );

  app.delete(
    '/users/:id/sessions',
    {
      config: requirePermissionOrSelf('sessions:manage'),
      schema: {
        tags,
        summary: 'Sign a user out everywhere',
        params: UserIdParams,
        response: { 204: { type: 'null' }, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = await users.visibleUser(db, request.principal!, request.params.id);
      await auth.endUserSessions(user.id, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.get(
    '/users',
    {
      config: requirePermission('users:read'),
      schema: {
        tags,
        summary: 'List users: filters, search, sort, page or cursor',
        querystring: ListQuery,
        response: { 200: UserList, ...problems(400, 401, 403) },
      },
    },
    async (request) => users.list(request.principal!, request.query),
  );

  app.get(
    '/users/check-email',
    {
      config: requirePermission('users:read'),
      schema: {
        tags,
        summary: 'Does an account use this email? (seed 001)',
        querystring: CheckEmailQuery,
        response: { 200: CheckEmailResult, ...problems(400, 401, 403) },
      },
    },
    async (request) => ({ exists: await users.emailExists(request.query.email) }),
  );

  app.post(
    '/users',
    {
      config: requirePermission('users:write'),
      schema: {
        tags,
        summary: 'Create a user (with a password, or mail a set-password link)',
        body: CreateUserBody,
        response: { 201: UserEnvelope, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send({ user: await users.create(request.principal!, request.body, requestMeta(request)) }),
  );

  app.get(
    '/users/:id',
    {
      config: requirePermissionOrSelf('users:read'),
      schema: {
        tags,
        summary: 'A user, with ?include=profile,roles,permissions,subscription,organization',
        params: UserIdParams,
        querystring: DetailQuery,
        response: { 200: UserDetail, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => users.detail(request.principal!, request.params.id, request.query),
  );

  for (const [method, body, summary] of [
    ['PUT', ReplaceUserBody, 'Replace the editable fields of a user'],
    ['PATCH', PatchUserBody, 'Change some fields of a user'],
  ] as const) {
    app.route({
      method,
      url: '/users/:id',
      config: requirePermissionOrSelf('users:write'),
      schema: { tags, summary, params: UserIdParams, body, response: { 200: UserView, ...problems(400, 401, 403, 404, 409) } },
      handler: async (request) => {
        const principal = request.principal!;
        const isSelf = resolveUserId(principal, request.params.id) === principal.userId;
        if (isSelf && !principal.permissions.has('users:write')) assertSelfEditable(request.body);
        return users.update(principal, request.params.id, request.body, requestMeta(request));
      },
    });
  }

  app.delete(
    '/users/:id',
    {
      config: requirePermission('users:delete'),
      schema: {
        tags,
        summary: 'Deactivate a user (soft delete); ?hard=true erases them',
        params: UserIdParams,
        querystring: DeleteQuery,
        response: { 204: { type: 'null' }, ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const meta = requestMeta(request);
      if (request.query.hard) await users.erase(request.principal!, request.params.id, meta);
      else await users.setStatus(request.principal!, request.params.id, 'INACTIVE', undefined, meta, 'user.deactivated');
      return reply.status(204).send();
    },
  );

  const statusChange = (
    url: string,
    permission: 'users:delete' | 'users:suspend',
    status: 'ACTIVE' | 'SUSPENDED',
    action: string,
    summary: string,
  ) =>
    app.post(
      url,
      {
        config: requirePermission(permission),
        schema: {
          tags,
          summary,
          params: UserIdParams,
          body: ReasonBody,
          response: { 200: UserView, ...problems(400, 401, 403, 404, 409) },
        },
        // The reason is optional, and so is a body at all.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => users.setStatus(request.principal!, request.params.id, status, request.body.reason, requestMeta(request), action),
    );
  statusChange('/users/:id/restore', 'users:delete', 'ACTIVE', 'user.restored', 'Bring a deactivated user back');
  statusChange('/users/:id/suspend', 'users:suspend', 'SUSPENDED', 'user.suspended', 'Suspend a user (ends their sessions at once)');
  statusChange('/users/:id/activate', 'users:suspend', 'ACTIVE', 'user.activated', 'Lift a suspension');

  app.get(
    '/organizations/:id/users',
    {
      config: requirePermission('users:read'),
      schema: {
        tags: ['organizations'],
        summary: "An organization's users (same filters as GET /users)",
        params: IdParams,
        querystring: ListQuery,
        response: { 200: UserList, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await organizations.visible(signedIn(request.caller), request.params.id);
      return users.list(request.principal!, { ...request.query, organizationId: request.params.id });
    },
  );
};
