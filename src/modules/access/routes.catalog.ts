import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { IdParams, NoContent, problems } from '../../http/schemas.js';
import type { createCatalog } from './catalog.js';
import { accessErrors as errors } from './errors.js';
import {
  CreatePermissionBody,
  PatchUserTypeBody,
  PermissionList,
  PermissionView,
  UpdatePermissionBody,
  UserTypeBody,
  UserTypeList,
  UserTypeView,
} from './schemas.js';

const permissionOperation = operations(['permissions']);
const userTypeOperation = operations(['user-types']);

/** The permission catalogue and user types. */
export const catalogRoutes: FastifyPluginAsyncTypebox<{ catalog: ReturnType<typeof createCatalog> }> = async (app, { catalog }) => {
  const manage = requirePermission('roles:manage');
  app.get(
    '/permissions',
    permissionOperation(requirePermission('roles:read'), {
      summary: 'List permissions',
      description:
        'The permission catalogue that roles, direct grants and API key scopes draw from: the built-in permissions and any custom ones, each with its description.',
      response: { 200: PermissionList },
    }),
    async () => ({
      data: await catalog.listPermissions(),
    }),
  );
  app.post(
    '/permissions',
    permissionOperation(manage, {
      summary: 'Create a custom permission',
      description:
        'Adds a permission name to the catalogue, for roles and direct grants to use. The catalogue is shared by every organization: only a holder of tenants:all changes it (SHARED_CATALOG). A name already taken answers 409 NAME_ALREADY_EXISTS.',
      body: CreatePermissionBody,
      response: { 201: PermissionView, ...problems(errors.SHARED_CATALOG, httpErrors.NAME_ALREADY_EXISTS) },
    }),
    (request) => catalog.createPermission(signedIn(request.caller), request.body),
  );
  app.patch(
    '/permissions/:id',
    permissionOperation(manage, {
      summary: "Change a permission's description",
      description: "Only the description changes: a permission's name is what roles, grants and API key scopes refer to.",
      params: IdParams,
      body: UpdatePermissionBody,
      response: { 200: PermissionView, ...problems(errors.SHARED_CATALOG, errors.PERMISSION_NOT_FOUND) },
    }),
    async (request) => catalog.updatePermission(signedIn(request.caller), request.params.id, request.body),
  );
  app.delete(
    '/permissions/:id',
    permissionOperation(manage, {
      summary: 'Delete a custom permission',
      description:
        'Removes a custom permission from the catalogue and from every role and user holding it. Built-in permissions stay (BUILT_IN_PERMISSION).',
      params: IdParams,
      response: { 204: NoContent, ...problems(errors.SHARED_CATALOG, errors.PERMISSION_NOT_FOUND, errors.BUILT_IN_PERMISSION) },
    }),
    async (request) => {
      await catalog.deletePermission(signedIn(request.caller), request.params.id);
    },
  );

  const manageTypes = requirePermission('user-types:manage');
  app.get(
    '/user-types',
    userTypeOperation(requirePermission('users:read'), {
      summary: 'List user types',
      description:
        'The user types a user or an invitation may carry (the role preset seeds them; e.g. EMPLOYEE). Users and imports name a type by its name.',
      response: { 200: UserTypeList },
    }),
    async () => ({
      data: await catalog.listUserTypes(),
    }),
  );
  app.post(
    '/user-types',
    userTypeOperation(manageTypes, {
      summary: 'Create a user type',
      description:
        'Adds a user type with an optional description. User types are shared by every organization: only a holder of tenants:all changes them (SHARED_CATALOG). A name already taken answers 409 NAME_ALREADY_EXISTS.',
      body: UserTypeBody,
      response: { 201: UserTypeView, ...problems(errors.SHARED_CATALOG, httpErrors.NAME_ALREADY_EXISTS) },
    }),
    (request) => catalog.createUserType(signedIn(request.caller), request.body),
  );
  app.patch(
    '/user-types/:id',
    userTypeOperation(manageTypes, {
      summary: 'Rename or describe a user type',
      description:
        'Changes the name, the description or both; at least one is required. A name already taken answers 409 NAME_ALREADY_EXISTS.',
      params: IdParams,
      body: PatchUserTypeBody,
      response: { 200: UserTypeView, ...problems(errors.SHARED_CATALOG, errors.USER_TYPE_NOT_FOUND, httpErrors.NAME_ALREADY_EXISTS) },
    }),
    async (request) => catalog.updateUserType(signedIn(request.caller), request.params.id, request.body),
  );
  app.delete(
    '/user-types/:id',
    userTypeOperation(manageTypes, {
      summary: 'Delete a user type',
      description: 'Removes the user type from the catalogue; the deletion is audited.',
      params: IdParams,
      response: { 204: NoContent, ...problems(errors.SHARED_CATALOG, errors.USER_TYPE_NOT_FOUND) },
    }),
    async (request) => {
      await catalog.deleteUserType(signedIn(request.caller), request.params.id);
    },
  );
};
