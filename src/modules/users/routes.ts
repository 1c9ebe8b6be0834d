import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import { type ErrorSpec, httpErrors } from '../../http/errors.js';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { IdParams, NoContent, problems } from '../../http/schemas.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { accessErrors } from '../access/errors.js';
import { organizationErrors } from '../organizations/errors.js';
import { userErrors as errors } from './errors.js';
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
  UserEnvelope,
  UserIdParams,
  UserList,
  UserView,
} from './schemas.js';
import type { UsersService } from './service.js';

const tags = ['users'];
/** What a write of a user's fields can collide with: another user's unique field, a missing organization or user type. */
const fieldConflicts = [
  httpErrors.EMAIL_ALREADY_EXISTS,
  httpErrors.USERNAME_ALREADY_EXISTS,
  httpErrors.PHONE_ALREADY_EXISTS,
  httpErrors.REFERENCE_CONFLICT,
];
/** Another account's target: missing (or outside the tenancy), or holding access the actor does not. */
const target = [errors.USER_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS];
const removal = [...target, errors.CANNOT_TARGET_SELF, accessErrors.LAST_SUPER_ADMIN];

/** Seed 002's admin mapping and seed 004's user module: list, create, read, replace, patch, status, delete. */
export const userRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/users',
    {
      config: requirePermission('users:read'),
      schema: {
        tags,
        summary: 'List users: filters, search, sort, page or cursor',
        querystring: ListQuery,
        response: { 200: UserList, ...problems(errors.INVALID_CURSOR) },
      },
    },
    async (request) => users.list(signedIn(request.caller), request.query),
  );

  app.get(
    '/users/check-email',
    {
      config: requirePermission('users:read'),
      schema: {
        tags,
        summary: 'Does an account of your organization use this email? (seed 001)',
        querystring: CheckEmailQuery,
        response: { 200: CheckEmailResult },
      },
    },
    async (request) => ({ exists: await users.emailExists(signedIn(request.caller), request.query.email) }),
  );

  app.post(
    '/users',
    {
      config: requirePermission('users:write'),
      schema: {
        tags,
        summary: 'Create a user (with a password, or mail a set-password link)',
        body: CreateUserBody,
        response: {
          201: UserEnvelope,
          ...problems(errors.ORGANIZATION_NOT_ALLOWED, accessErrors.UNKNOWN_ROLE, accessErrors.GRANT_EXCEEDS_OWN_ACCESS, ...fieldConflicts),
        },
      },
    },
    async (request, reply) => reply.status(201).send({ user: await users.create(signedIn(request.caller), request.body) }),
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
        response: { 200: UserDetail, ...problems(errors.USER_NOT_FOUND) },
      },
    },
    async (request) => users.detail(signedIn(request.caller), request.params.id, request.query),
  );

  for (const [method, body, summary] of [
    ['PUT', ReplaceUserBody, 'Replace the editable fields of a user'],
    ['PATCH', PatchUserBody, 'Change some fields of a user'],
  ] as const) {
    app.route({
      method,
      url: '/users/:id',
      config: requirePermissionOrSelf('users:write'),
      schema: {
        tags,
        summary,
        params: UserIdParams,
        body,
        response: {
          200: UserView,
          ...problems(...target, errors.ORGANIZATION_NOT_ALLOWED, accessErrors.API_KEY_NOT_ALLOWED, ...fieldConflicts),
        },
      },
      handler: async (request) => users.update(signedIn(request.caller), request.params.id, request.body),
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
        response: { 204: NoContent, ...problems(...removal) },
      },
    },
    async (request, reply) => {
      const caller = signedIn(request.caller);
      if (request.query.hard) await users.erase(caller, request.params.id);
      else await users.deactivate(caller, request.params.id);
      return reply.status(204).send();
    },
  );

  const statusChange = (
    url: string,
    permission: 'users:delete' | 'users:suspend',
    summary: string,
    change: (caller: SignedInCaller, id: string, reason?: string) => Promise<Static<typeof UserView>>,
    refusals: ErrorSpec[] = target,
  ) =>
    app.post(
      url,
      {
        config: requirePermission(permission),
        schema: { tags, summary, params: UserIdParams, body: ReasonBody, response: { 200: UserView, ...problems(...refusals) } },
        // The reason is optional, and so is a body at all.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => change(signedIn(request.caller), request.params.id, request.body.reason),
    );
  statusChange('/users/:id/restore', 'users:delete', 'Bring a deactivated user back', users.restore);
  statusChange('/users/:id/suspend', 'users:suspend', 'Suspend a user (ends their sessions at once)', users.suspend, removal);
  statusChange('/users/:id/activate', 'users:suspend', 'Lift a suspension', users.activate);

  app.get(
    '/organizations/:id/users',
    {
      config: requirePermission('users:read'),
      schema: {
        tags: ['organizations'],
        summary: "An organization's users (same filters as GET /users)",
        params: IdParams,
        querystring: ListQuery,
        response: { 200: UserList, ...problems(errors.INVALID_CURSOR, organizationErrors.ORGANIZATION_NOT_FOUND) },
      },
    },
    async (request) => users.listOfOrganization(signedIn(request.caller), request.params.id, request.query),
  );
};
