import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { IdParams, NoContent, problems } from '../../http/schemas.js';
import { accessErrors as errors } from './errors.js';
import type { createRoles } from './roles.js';
import { CreateRoleBody, RoleList, RoleListQuery, RolePermissionsBody, RoleView, UpdateRoleBody } from './schemas.js';

const operation = operations(['roles']);

/** Roles and the permissions they bundle. */
export const roleRoutes: FastifyPluginAsyncTypebox<{ roles: ReturnType<typeof createRoles> }> = async (app, { roles }) => {
  const read = requirePermission('roles:read');
  const manage = requirePermission('roles:manage');
  app.get(
    '/roles',
    operation(read, {
      summary: 'List roles',
      description:
        'Every role with the permissions it bundles, the system roles of the preset included; with `permission`, only the roles that give it.',
      querystring: RoleListQuery,
      response: { 200: RoleList },
    }),
    async (request) => ({ data: await roles.list(request.query) }),
  );
  app.get(
    '/roles/:id',
    operation(read, {
      summary: 'Get a role',
      description: 'One role with its description and the permissions it bundles.',
      params: IdParams,
      response: { 200: RoleView, ...problems(errors.ROLE_NOT_FOUND) },
    }),
    async (request) => roles.get(request.params.id),
  );
  app.post(
    '/roles',
    operation(manage, {
      summary: 'Create a role',
      description:
        'A new role bundling permissions from the catalogue. You may only bundle permissions you hold yourself (GRANT_EXCEEDS_OWN_ACCESS); an unknown permission answers UNKNOWN_PERMISSION.',
      body: CreateRoleBody,
      response: {
        201: RoleView,
        ...problems(errors.UNKNOWN_PERMISSION, errors.GRANT_EXCEEDS_OWN_ACCESS, errors.SHARED_ROLE, httpErrors.NAME_ALREADY_EXISTS),
      },
    }),
    (request) => roles.create(signedIn(request.caller), request.body),
  );
  app.patch(
    '/roles/:id',
    operation(manage, {
      summary: 'Rename or describe a role',
      description:
        "Changes a custom role's name or description. System roles are fixed (SYSTEM_ROLE), and a role granting more than you hold is not yours to change.",
      params: IdParams,
      body: UpdateRoleBody,
      response: {
        200: RoleView,
        ...problems(
          errors.ROLE_NOT_FOUND,
          errors.SYSTEM_ROLE,
          errors.GRANT_EXCEEDS_OWN_ACCESS,
          errors.SHARED_ROLE,
          httpErrors.NAME_ALREADY_EXISTS,
        ),
      },
    }),
    async (request) => roles.update(signedIn(request.caller), request.params.id, request.body),
  );
  app.put(
    '/roles/:id/permissions',
    operation(manage, {
      description:
        "Sets the role's permissions to exactly the list given; every holder of the role gains or loses access at once. System roles are fixed, and you may only hand out permissions you hold.",
      summary: "Replace a role's permissions",
      params: IdParams,
      body: RolePermissionsBody,
      response: {
        200: RoleView,
        ...problems(
          errors.ROLE_NOT_FOUND,
          errors.SYSTEM_ROLE,
          errors.UNKNOWN_PERMISSION,
          errors.GRANT_EXCEEDS_OWN_ACCESS,
          errors.SHARED_ROLE,
        ),
      },
    }),
    async (request) => roles.setPermissions(signedIn(request.caller), request.params.id, request.body.permissions),
  );
  app.delete(
    '/roles/:id',
    operation(manage, {
      summary: 'Delete a role',
      description:
        'Deletes a custom role; everyone who held it loses its permissions at once. System roles cannot be deleted (SYSTEM_ROLE).',
      params: IdParams,
      response: {
        204: NoContent,
        ...problems(errors.ROLE_NOT_FOUND, errors.SYSTEM_ROLE, errors.GRANT_EXCEEDS_OWN_ACCESS, errors.SHARED_ROLE),
      },
    }),
    async (request) => {
      await roles.remove(signedIn(request.caller), request.params.id);
    },
  );
};
