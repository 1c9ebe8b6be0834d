import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.js';
import { requestMeta } from '../../http/request-meta.js';
import { requirePermission, requirePermissionOrSelf } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import * as users from '../users/queries.js';
import type { UsersService } from '../users/service.js';
import type { Grants } from './grants.js';
import {
  ExplainQuery,
  GrantPermissionsBody,
  GrantRolesBody,
  UserPermissionList,
  UserPermissionParams,
  UserRefParams,
  UserRoleList,
  UserRoleParams,
} from './schemas.js';

const tags = ['users', 'roles'];
const noContent = { 204: { type: 'null' } } as const;

/** Seed 004's role and permission grants on a user; every target is checked against the tenancy rule first. */
export const userAccessRoutes: FastifyPluginAsyncTypebox<{ context: AppContext; grants: Grants; usersService: UsersService }> = async (
  app,
  { context, grants, usersService },
) => {
  const db = context.database.primary;
  const target = (principal: Parameters<UsersService['visibleUser']>[1], id: string) => usersService.visibleUser(db, principal, id);

  app.get(
    '/users/:id/roles',
    {
      config: requirePermissionOrSelf('roles:read'),
      schema: { tags, params: UserRefParams, response: { 200: UserRoleList, ...problems(401, 403, 404) } },
    },
    async (request) => ({ data: await users.rolesOf(db, (await target(request.principal!, request.params.id)).id) }),
  );

  app.post(
    '/users/:id/roles',
    {
      config: requirePermission('roles:manage'),
      schema: { tags, params: UserRefParams, body: GrantRolesBody, response: { 200: UserRoleList, ...problems(400, 401, 403, 404) } },
    },
    async (request) => {
      const user = await target(request.principal!, request.params.id);
      await grants.grantRoles(request.principal!, user.id, request.body.roles, requestMeta(request));
      return { data: await users.rolesOf(db, user.id) };
    },
  );

  app.delete(
    '/users/:id/roles/:roleId',
    {
      config: requirePermission('roles:manage'),
      schema: { tags, params: UserRoleParams, response: { ...noContent, ...problems(400, 401, 403, 404, 409) } },
    },
    async (request, reply) => {
      const user = await target(request.principal!, request.params.id);
      await grants.revokeRole(request.principal!, user.id, request.params.roleId, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.get(
    '/users/:id/permissions',
    {
      config: requirePermissionOrSelf('roles:read'),
      schema: {
        tags,
        summary: 'Effective permissions; ?explain=true says where each comes from',
        params: UserRefParams,
        querystring: ExplainQuery,
        response: { 200: UserPermissionList, ...problems(401, 403, 404) },
      },
    },
    async (request) => {
      const user = await target(request.principal!, request.params.id);
      const [profile, direct] = await Promise.all([context.access.get(db, user.id), users.directPermissionsOf(db, user.id)]);
      const directView = direct.map((grant) => ({ id: grant.id, name: grant.name, expiresAt: grant.expiresAt?.toISOString() ?? null }));
      if (!request.query.explain) return { data: profile.permissions, direct: directView };
      const fromRoles = await users.rolePermissionsOf(db, user.id);
      const superRoles = [...new Set(fromRoles.filter((row) => row.superAdmin).map((row) => row.role))];
      const explain = profile.permissions.map((permission) => ({
        permission,
        sources: [
          ...superRoles.map((role) => ({ kind: 'role' as const, role })),
          ...fromRoles
            .filter((row) => row.permission === permission && !row.superAdmin)
            .map((row) => ({ kind: 'role' as const, role: row.role })),
          ...directView
            .filter((grant) => grant.name === permission)
            .map((grant) => ({ kind: 'direct' as const, expiresAt: grant.expiresAt })),
        ],
      }));
      return { data: profile.permissions, direct: directView, explain };
    },
  );

  app.post(
    '/users/:id/permissions',
    {
      config: requirePermission('roles:manage'),
      schema: {
        tags,
        summary: 'Grant permissions directly, optionally until a time',
        params: UserRefParams,
        body: GrantPermissionsBody,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = await target(request.principal!, request.params.id);
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      await grants.grantPermissions(request.principal!, user.id, request.body.permissions, expiresAt, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.delete(
    '/users/:id/permissions/:permissionId',
    {
      config: requirePermission('roles:manage'),
      schema: { tags, params: UserPermissionParams, response: { ...noContent, ...problems(400, 401, 403, 404) } },
    },
    async (request, reply) => {
      const user = await target(request.principal!, request.params.id);
      await grants.revokePermission(request.principal!, user.id, request.params.permissionId, requestMeta(request));
      return reply.status(204).send();
    },
  );
};
