import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { accessErrors } from '../access/errors.js';
import { ExplainQuery, GrantPermissionsBody, GrantRolesBody, UserPermissionList, UserRoleList } from '../access/schemas.js';
import { userErrors as errors } from './errors.js';
import { UserIdParams, UserPermissionParams, UserRoleParams } from './schemas.js';
import type { UsersService } from './service.js';

const tags = ['users', 'roles'];
const grantRefusals = [errors.USER_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, accessErrors.GRANT_EXCEEDS_OWN_ACCESS];

/** Seed 004's role and permission grants on a user; every target is checked against the tenancy rule first. */
export const userAccessRoutes: FastifyPluginAsyncTypebox<{ grants: UsersService['grants'] }> = async (app, { grants }) => {
  const manage = requirePermission('roles:manage');
  app.get(
    '/users/:id/roles',
    {
      config: requirePermissionOrSelf('roles:read'),
      schema: { tags, params: UserIdParams, response: { 200: UserRoleList, ...problems(errors.USER_NOT_FOUND) } },
    },
    async (request) => ({ data: await grants.roles(signedIn(request.caller), request.params.id) }),
  );

  app.post(
    '/users/:id/roles',
    {
      config: manage,
      schema: {
        tags,
        params: UserIdParams,
        body: GrantRolesBody,
        response: { 200: UserRoleList, ...problems(...grantRefusals, accessErrors.UNKNOWN_ROLE) },
      },
    },
    async (request) => ({ data: await grants.grantRoles(signedIn(request.caller), request.params.id, request.body.roles) }),
  );

  app.delete(
    '/users/:id/roles/:roleId',
    {
      config: manage,
      schema: {
        tags,
        params: UserRoleParams,
        response: {
          204: NoContent,
          ...problems(...grantRefusals, accessErrors.UNKNOWN_ROLE, accessErrors.ROLE_NOT_HELD, accessErrors.LAST_SUPER_ADMIN),
        },
      },
    },
    async (request, reply) => {
      await grants.revokeRole(signedIn(request.caller), request.params.id, request.params.roleId);
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
        params: UserIdParams,
        querystring: ExplainQuery,
        response: { 200: UserPermissionList, ...problems(errors.USER_NOT_FOUND) },
      },
    },
    async (request) => grants.permissions(signedIn(request.caller), request.params.id, request.query.explain ?? false),
  );

  app.post(
    '/users/:id/permissions',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Grant permissions directly, optionally until a time',
        params: UserIdParams,
        body: GrantPermissionsBody,
        response: { 204: NoContent, ...problems(...grantRefusals, accessErrors.UNKNOWN_PERMISSION, accessErrors.INVALID_EXPIRY) },
      },
    },
    async (request, reply) => {
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      await grants.grantPermissions(signedIn(request.caller), request.params.id, request.body.permissions, expiresAt);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/users/:id/permissions/:permissionId',
    {
      config: manage,
      schema: {
        tags,
        params: UserPermissionParams,
        response: { 204: NoContent, ...problems(...grantRefusals, accessErrors.UNKNOWN_PERMISSION, accessErrors.PERMISSION_NOT_HELD) },
      },
    },
    async (request, reply) => {
      await grants.revokePermission(signedIn(request.caller), request.params.id, request.params.permissionId);
      return reply.status(204).send();
    },
  );
};
