import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { accessErrors } from '../access/errors.js';
import { ExplainQuery, GrantPermissionsBody, GrantRolesBody, UserPermissionList, UserRoleList } from '../access/schemas.js';
import { userErrors as errors } from './errors.js';
import { UserIdParams, UserPermissionParams, UserRoleParams } from './schemas.js';
import type { UsersService } from './service.js';

const operation = operations(['users', 'roles']);
const grantRefusals = [errors.USER_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, accessErrors.GRANT_EXCEEDS_OWN_ACCESS];

/** Role and permission grants on a user; every target is checked against the tenancy rule first. */
export const userAccessRoutes: FastifyPluginAsyncTypebox<{ grants: UsersService['grants'] }> = async (app, { grants }) => {
  const manage = requirePermission('roles:manage');
  app.get(
    '/users/:id/roles',
    operation(requirePermissionOrSelf('roles:read'), {
      summary: "List a user's roles",
      description: 'The roles granted to a user (`me` for your own).',
      params: UserIdParams,
      response: { 200: UserRoleList, ...problems(errors.USER_NOT_FOUND) },
    }),
    async (request) => ({ data: await grants.roles(signedIn(request.caller), request.params.id) }),
  );

  app.post(
    '/users/:id/roles',
    operation(
      { ...manage, stepUp: true },
      {
        summary: 'Grant roles to a user',
        description:
          "Adds the named roles to the user's roles and answers the full list. You may only grant roles whose permissions you hold, to users in your tenancy.",
        params: UserIdParams,
        body: GrantRolesBody,
        response: { 200: UserRoleList, ...problems(...grantRefusals, accessErrors.UNKNOWN_ROLE) },
      },
    ),
    async (request) => ({ data: await grants.grantRoles(signedIn(request.caller), request.params.id, request.body.roles) }),
  );

  app.delete(
    '/users/:id/roles/:roleId',
    operation(manage, {
      summary: 'Take a role from a user',
      description:
        'Removes one role; the user loses its permissions at once. The last super-admin keeps the role (LAST_SUPER_ADMIN). An administrator confined to an organization removes a role held within it; one held platform-wide answers ROLE_NOT_HELD to them and is removed by an administrator acting across organizations.',
      params: UserRoleParams,
      response: {
        204: NoContent,
        ...problems(...grantRefusals, accessErrors.UNKNOWN_ROLE, accessErrors.ROLE_NOT_HELD, accessErrors.LAST_SUPER_ADMIN),
      },
    }),
    async (request) => {
      await grants.revokeRole(signedIn(request.caller), request.params.id, request.params.roleId);
    },
  );

  app.get(
    '/users/:id/permissions',
    operation(requirePermissionOrSelf('roles:read'), {
      description:
        'The permissions a user (`me` for your own) holds through their roles and direct grants. With `explain=true` each comes with the roles or grant it is held through.',
      summary: 'Effective permissions; ?explain=true says where each comes from',
      params: UserIdParams,
      querystring: ExplainQuery,
      response: { 200: UserPermissionList, ...problems(errors.USER_NOT_FOUND) },
    }),
    async (request) => grants.permissions(signedIn(request.caller), request.params.id, request.query.explain ?? false),
  );

  app.post(
    '/users/:id/permissions',
    operation(
      { ...manage, stepUp: true },
      {
        description:
          'Grants permissions to the user outside any role, optionally expiring at `expiresAt`. You may only grant permissions you hold, to users in your tenancy.',
        summary: 'Grant permissions directly, optionally until a time',
        params: UserIdParams,
        body: GrantPermissionsBody,
        response: { 204: NoContent, ...problems(...grantRefusals, accessErrors.UNKNOWN_PERMISSION, accessErrors.INVALID_EXPIRY) },
      },
    ),
    async (request) => {
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      await grants.grantPermissions(signedIn(request.caller), request.params.id, request.body.permissions, expiresAt);
    },
  );

  app.delete(
    '/users/:id/permissions/:permissionId',
    operation(manage, {
      summary: 'Revoke a direct permission',
      description:
        'Removes a permission granted directly; one the user holds through a role stays. A permission not granted directly answers PERMISSION_NOT_HELD, as does, to an administrator confined to an organization, one granted platform-wide.',
      params: UserPermissionParams,
      response: { 204: NoContent, ...problems(...grantRefusals, accessErrors.UNKNOWN_PERMISSION, accessErrors.PERMISSION_NOT_HELD) },
    }),
    async (request) => {
      await grants.revokePermission(signedIn(request.caller), request.params.id, request.params.permissionId);
    },
  );
};
