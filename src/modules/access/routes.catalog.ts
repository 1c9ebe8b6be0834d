import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestMeta } from '../../http/request-meta.js';
import { requirePermission } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import type { Catalog } from './catalog.js';
import {
  CreatePermissionBody,
  CreateRoleBody,
  IdParams,
  PatchUserTypeBody,
  PermissionList,
  PermissionView,
  RoleList,
  RolePermissionsBody,
  RoleView,
  UpdatePermissionBody,
  UpdateRoleBody,
  UserTypeBody,
  UserTypeList,
  UserTypeView,
} from './schemas.js';

const read = requirePermission('roles:read');
const manage = requirePermission('roles:manage');
const noContent = { 204: { type: 'null' } } as const;

/** Seed 004's roles, permissions and user types. */
export const catalogRoutes: FastifyPluginAsyncTypebox<{ catalog: Catalog }> = async (app, { catalog }) => {
  const tags = ['roles'];
  app.get('/roles', { config: read, schema: { tags, response: { 200: RoleList, ...problems(401, 403) } } }, async () => ({
    data: await catalog.listRoles(),
  }));
  app.get(
    '/roles/:id',
    { config: read, schema: { tags, params: IdParams, response: { 200: RoleView, ...problems(401, 403, 404) } } },
    async (request) => catalog.getRole(request.params.id),
  );
  app.post(
    '/roles',
    { config: manage, schema: { tags, body: CreateRoleBody, response: { 201: RoleView, ...problems(400, 401, 403, 409) } } },
    async (request, reply) => reply.status(201).send(await catalog.createRole(request.principal!, request.body, requestMeta(request))),
  );
  app.patch(
    '/roles/:id',
    {
      config: manage,
      schema: { tags, params: IdParams, body: UpdateRoleBody, response: { 200: RoleView, ...problems(400, 401, 403, 404, 409) } },
    },
    async (request) => catalog.updateRole(request.principal!, request.params.id, request.body, requestMeta(request)),
  );
  app.put(
    '/roles/:id/permissions',
    {
      config: manage,
      schema: {
        tags,
        summary: "Replace a role's permissions",
        params: IdParams,
        body: RolePermissionsBody,
        response: { 200: RoleView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => catalog.setRolePermissions(request.principal!, request.params.id, request.body.permissions, requestMeta(request)),
  );
  app.delete(
    '/roles/:id',
    { config: manage, schema: { tags, params: IdParams, response: { ...noContent, ...problems(401, 403, 404, 409) } } },
    async (request, reply) => {
      await catalog.deleteRole(request.principal!, request.params.id, requestMeta(request));
      return reply.status(204).send();
    },
  );

  const permissionTags = ['permissions'];
  app.get(
    '/permissions',
    { config: read, schema: { tags: permissionTags, response: { 200: PermissionList, ...problems(401, 403) } } },
    async () => ({
      data: await catalog.listPermissions(),
    }),
  );
  app.post(
    '/permissions',
    {
      config: manage,
      schema: { tags: permissionTags, body: CreatePermissionBody, response: { 201: PermissionView, ...problems(400, 401, 403, 409) } },
    },
    async (request, reply) => reply.status(201).send(await catalog.createPermission(request.body, requestMeta(request))),
  );
  app.patch(
    '/permissions/:id',
    {
      config: manage,
      schema: {
        tags: permissionTags,
        params: IdParams,
        body: UpdatePermissionBody,
        response: { 200: PermissionView, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => catalog.updatePermission(request.params.id, request.body, requestMeta(request)),
  );
  app.delete(
    '/permissions/:id',
    { config: manage, schema: { tags: permissionTags, params: IdParams, response: { ...noContent, ...problems(401, 403, 404, 409) } } },
    async (request, reply) => {
      await catalog.deletePermission(request.params.id, requestMeta(request));
      return reply.status(204).send();
    },
  );

  const typeTags = ['user-types'];
  const manageTypes = requirePermission('user-types:manage');
  app.get(
    '/user-types',
    { config: requirePermission('users:read'), schema: { tags: typeTags, response: { 200: UserTypeList, ...problems(401, 403) } } },
    async () => ({
      data: await catalog.listUserTypes(),
    }),
  );
  app.post(
    '/user-types',
    {
      config: manageTypes,
      schema: { tags: typeTags, body: UserTypeBody, response: { 201: UserTypeView, ...problems(400, 401, 403, 409) } },
    },
    async (request, reply) => reply.status(201).send(await catalog.saveUserType(undefined, request.body, requestMeta(request))),
  );
  app.patch(
    '/user-types/:id',
    {
      config: manageTypes,
      schema: {
        tags: typeTags,
        params: IdParams,
        body: PatchUserTypeBody,
        response: { 200: UserTypeView, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => catalog.saveUserType(request.params.id, request.body, requestMeta(request)),
  );
  app.delete(
    '/user-types/:id',
    { config: manageTypes, schema: { tags: typeTags, params: IdParams, response: { ...noContent, ...problems(401, 403, 404) } } },
    async (request, reply) => {
      await catalog.deleteUserType(request.params.id, requestMeta(request));
      return reply.status(204).send();
    },
  );
};
