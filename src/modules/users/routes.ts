import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import { type ErrorSpec, httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { IdParams, NoContent, problems } from '../../http/schemas.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { pagingErrors } from '../../platform/paging.js';
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
  UserChangeQuery,
  UserDetail,
  UserEnvelope,
  UserIdParams,
  UserList,
  UserView,
} from './schemas.js';
import type { UsersService } from './service.js';

const tags = ['users'];
const operation = operations(tags);
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
const fromStatus = [...target, errors.USER_STATUS_CONFLICT];

/** Administering users: list, create, read, replace, patch, status, delete. */
export const userRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/users',
    operation(requirePermission('users:read'), {
      description:
        'Users in your tenancy: search names, emails and usernames; filter by status, role, organization, user type, verified email or creation time; sort; page by number, or by `cursor` for large lists. Each user comes with the roles they hold in your organization (for a cross-tenant administrator: the organization filtered on, else their own) and platform-wide.',
      summary: 'List users: filters, search, sort, page or cursor',
      querystring: ListQuery,
      response: { 200: UserList, ...problems(pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => users.list(signedIn(request.caller), request.query),
  );

  app.get(
    '/users/check-email',
    operation(requirePermission('users:read'), {
      description:
        'Answers whether an account of your organization uses the address (every organization for a cross-tenant administrator), for a form checking an address before it creates a user.',
      summary: 'Does an account of your organization use this email?',
      querystring: CheckEmailQuery,
      response: { 200: CheckEmailResult },
    }),
    async (request) => ({ exists: await users.emailExists(signedIn(request.caller), request.query.email) }),
  );

  app.post(
    '/users',
    operation(requirePermission('users:write'), {
      description:
        'Creates a user in your tenancy with roles you may grant. With a password the user can sign in at once; without one they are mailed a link to set it.',
      summary: 'Create a user (with a password, or mail a set-password link)',
      body: CreateUserBody,
      response: {
        201: UserEnvelope,
        ...problems(errors.ORGANIZATION_NOT_ALLOWED, accessErrors.UNKNOWN_ROLE, accessErrors.GRANT_EXCEEDS_OWN_ACCESS, ...fieldConflicts),
      },
    }),
    async (request) => ({ user: await users.createByAdmin(signedIn(request.caller), request.body) }),
  );

  app.get(
    '/users/:id',
    operation(requirePermissionOrSelf('users:read'), {
      description:
        'One user in your tenancy (`me` for yourself). `include` adds the profile, roles, permissions, subscription, organization (null for a member whose default organization is outside your tenancy), linked identities, the kinds of second factor (`mfa`, never a secret), learning preferences or statistics (these two with learning:read, or your own) in the same answer.',
      summary: 'A user, with ?include=profile,roles,permissions,subscription,organization,identities,mfa,preferences,stats',
      params: UserIdParams,
      querystring: DetailQuery,
      response: { 200: UserDetail, ...problems(errors.USER_NOT_FOUND) },
    }),
    async (request) => users.detail(signedIn(request.caller), request.params.id, request.query),
  );

  for (const [method, body, summary, description] of [
    [
      'PUT',
      ReplaceUserBody,
      'Replace the editable fields of a user',
      'Sets every editable field (email, username, phone, names, organization, user type) of a user in your tenancy (`me` for yourself); null clears the optional ones. An administrator sets another user’s email at once (the old address is told) or, with `?confirm=true`, through the confirmation mailed to the new address; your own new email needs `currentPassword` and waits for that confirmation. A username or phone number another user has answers 409; moving a user to another organization is for cross-tenant administrators.',
    ],
    [
      'PATCH',
      PatchUserBody,
      'Change some fields of a user',
      'Changes only the fields given of a user in your tenancy (`me` for yourself). An administrator sets another user’s email at once (the old address is told) or, with `?confirm=true`, through the confirmation mailed to the new address; your own new email needs `currentPassword` and waits for that confirmation. A username or phone number another user has answers 409; moving a user to another organization is for cross-tenant administrators.',
    ],
  ] as const) {
    app.route({
      method,
      url: '/users/:id',
      config: requirePermissionOrSelf('users:write'),
      schema: {
        tags,
        summary,
        description,
        params: UserIdParams,
        querystring: UserChangeQuery,
        body,
        response: {
          200: UserView,
          ...problems(
            ...target,
            errors.ORGANIZATION_NOT_ALLOWED,
            errors.REAUTHENTICATION_REQUIRED,
            httpErrors.RATE_LIMITED,
            accessErrors.API_KEY_NOT_ALLOWED,
            accessErrors.IMPERSONATION_NOT_ALLOWED,
            ...fieldConflicts,
          ),
        },
      },
      handler: async (request) => users.update(signedIn(request.caller), request.params.id, request.body, request.query),
    });
  }

  app.delete(
    '/users/:id',
    operation(requirePermission('users:delete'), {
      description:
        'Without `hard` the user becomes INACTIVE and can be restored with POST /users/{id}/restore. With `hard=true` the user and their records are erased for good.',
      summary: 'Deactivate a user (soft delete); ?hard=true erases them',
      params: UserIdParams,
      querystring: DeleteQuery,
      response: { 204: NoContent, ...problems(...removal) },
    }),
    async (request) => {
      const caller = signedIn(request.caller);
      if (request.query.hard) await users.erase(caller, request.params.id);
      else await users.deactivate(caller, request.params.id);
    },
  );

  const statusChange = (
    url: string,
    permission: 'users:delete' | 'users:suspend',
    summary: string,
    description: string,
    change: (caller: SignedInCaller, id: string, reason?: string) => Promise<Static<typeof UserView>>,
    refusals: ErrorSpec[] = fromStatus,
  ) =>
    app.post(
      url,
      {
        config: requirePermission(permission),
        schema: {
          tags,
          summary,
          description,
          params: UserIdParams,
          body: ReasonBody,
          response: { 200: UserView, ...problems(...refusals) },
        },
        // The reason is optional, and so is a body at all.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => change(signedIn(request.caller), request.params.id, request.body.reason),
    );
  statusChange(
    '/users/:id/restore',
    'users:delete',
    'Bring a deactivated user back',
    'An INACTIVE (soft-deleted) user becomes ACTIVE again and may sign in; their status reason is cleared. A restore does not lift a suspension: a SUSPENDED or PENDING user answers 409 USER_STATUS_CONFLICT (POST /users/{id}/activate, users:suspend, is for them); an ACTIVE one is left as it is.',
    users.restore,
  );
  statusChange(
    '/users/:id/suspend',
    'users:suspend',
    'Suspend a user (ends their sessions at once)',
    "The user becomes SUSPENDED: every session ends and sign-in is refused until POST /users/{id}/activate. The optional `reason` is kept as the user's status reason (suspending a SUSPENDED user again replaces it). A deactivated (INACTIVE) user is restored first: 409 USER_STATUS_CONFLICT.",
    users.suspend,
    [...removal, errors.USER_STATUS_CONFLICT],
  );
  statusChange(
    '/users/:id/activate',
    'users:suspend',
    'Lift a suspension',
    'A SUSPENDED (or PENDING) user becomes ACTIVE again and may sign in; their status reason is cleared; an ACTIVE one is left as it is. Lifting a suspension does not bring back a deactivated user: an INACTIVE user answers 409 USER_STATUS_CONFLICT (POST /users/{id}/restore, users:delete, is for them).',
    users.activate,
  );

  app.get(
    '/organizations/:id/users',
    operation(requirePermission('users:read'), {
      tags: ['organizations'],
      description: 'The users of one organization in your tenancy, with the filters, search, sort and paging of GET /users.',
      summary: "An organization's users (same filters as GET /users)",
      params: IdParams,
      querystring: ListQuery,
      response: { 200: UserList, ...problems(pagingErrors.INVALID_CURSOR, organizationErrors.ORGANIZATION_NOT_FOUND) },
    }),
    async (request) => users.listOfOrganization(signedIn(request.caller), request.params.id, request.query),
  );
};
