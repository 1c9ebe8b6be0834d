import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { authenticated, requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { IdParams, NoContent, problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { accessErrors } from '../access/errors.js';
import { organizationErrors as orgErrors } from '../organizations/errors.js';
import { userErrors as errors } from './errors.js';
import { UserIdParams } from './schemas.js';
import {
  AddMemberBody,
  DefaultOrganizationBody,
  ListMembersQuery,
  MemberEnvelope,
  MemberList,
  MemberParams,
  UpdateMemberBody,
  UserOrganizationList,
  UserOrganizationParams,
} from './schemas.members.js';
import type { UsersService } from './service.js';

const tags = ['organizations'];
const operation = operations(tags);
const notFound = [orgErrors.ORGANIZATION_NOT_FOUND, errors.USER_NOT_FOUND, orgErrors.MEMBERSHIP_NOT_FOUND];
const refusals = [accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, orgErrors.LAST_ORGANIZATION_ADMIN];
/** Ending a membership: one's own is never ended while impersonating. */
const membershipEnd = [...notFound, ...refusals, accessErrors.IMPERSONATION_NOT_ALLOWED];

/** An organization's members and a person's organizations: each membership holds its own roles. */
export const memberRoutes: FastifyPluginAsyncTypebox<{ members: UsersService['members'] }> = async (app, { members }) => {
  const manage = requirePermission('users:write');
  app.get(
    '/organizations/:id/members',
    operation(requirePermission('users:read'), {
      summary: "List an organization's members",
      description:
        'The members of an organization within your tenancy, by email, with their membership status and the roles they hold there. Filters: `role` (a role name held there), `status`, and `search` over name, email and username.',
      params: IdParams,
      querystring: ListMembersQuery,
      response: { 200: MemberList, ...problems(orgErrors.ORGANIZATION_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => members.list(signedIn(request.caller), request.params.id, request.query),
  );

  app.post(
    '/organizations/:id/members',
    operation(manage, {
      summary: 'Add an existing account to an organization',
      description:
        'Makes an account you can see a member of the organization with the roles given (only roles whose permissions you hold), unless it holds access you do not (403 ACCOUNT_HOLDS_MORE_ACCESS, as for changing a member). A person outside your tenancy is invited instead (POST /invitations), so they consent; an existing member answers 409 ALREADY_A_MEMBER. Audited as membership.added.',
      params: IdParams,
      body: AddMemberBody,
      response: {
        201: MemberEnvelope,
        ...problems(
          orgErrors.ORGANIZATION_NOT_FOUND,
          errors.USER_NOT_FOUND,
          orgErrors.ALREADY_A_MEMBER,
          accessErrors.UNKNOWN_ROLE,
          accessErrors.GRANT_EXCEEDS_OWN_ACCESS,
          accessErrors.ACCOUNT_HOLDS_MORE_ACCESS,
        ),
      },
    }),
    async (request) => ({ member: await members.add(signedIn(request.caller), request.params.id, request.body) }),
  );

  app.patch(
    '/organizations/:id/members/:userId',
    operation(manage, {
      summary: "Change a member's roles or status",
      description:
        "Sets the member's roles within this organization to exactly `roleIds`, and/or their membership's status (a suspended member signs in but cannot act in or switch to it). Nobody grants or takes away a role carrying more than they hold there; the last administrator cannot be demoted or suspended (409 LAST_ORGANIZATION_ADMIN). Audited as membership.updated.",
      params: MemberParams,
      body: UpdateMemberBody,
      response: {
        200: MemberEnvelope,
        ...problems(...notFound, ...refusals, accessErrors.UNKNOWN_ROLE, accessErrors.GRANT_EXCEEDS_OWN_ACCESS),
      },
    }),
    async (request) => ({
      member: await members.update(signedIn(request.caller), request.params.id, request.params.userId, request.body),
    }),
  );

  app.delete(
    '/organizations/:id/members/:userId',
    operation(manage, {
      summary: 'End a membership',
      description:
        "Ends the person's membership and every role they held within the organization; the account stays, and sessions acting there fall back to the person's default organization on their next request. The last administrator cannot be removed (409 LAST_ORGANIZATION_ADMIN). Audited as membership.removed.",
      params: MemberParams,
      response: { 204: NoContent, ...problems(...membershipEnd) },
    }),
    async (request) => {
      await members.remove(signedIn(request.caller), request.params.id, request.params.userId);
    },
  );

  app.get(
    '/users/:id/organizations',
    operation(requirePermissionOrSelf('users:read'), {
      tags: ['users', ...tags],
      summary: "A person's organizations",
      description:
        "The organizations a person belongs to (`me` for yours), with the membership's status, the roles held in each and which is the default one. An administrator confined to one organization sees only that membership.",
      params: UserIdParams,
      response: { 200: UserOrganizationList, ...problems(errors.USER_NOT_FOUND) },
    }),
    async (request) => ({ data: await members.organizationsOf(signedIn(request.caller), request.params.id) }),
  );

  app.delete(
    '/users/:id/organizations/:organizationId',
    operation(requirePermissionOrSelf('users:write'), {
      tags: ['users', ...tags],
      summary: 'Leave an organization',
      description:
        "Ends a membership from the person's side (`me` to leave one yourself): as DELETE /organizations/{id}/members/{userId}. The last administrator cannot leave (409 LAST_ORGANIZATION_ADMIN); nobody leaves while impersonated (403 IMPERSONATION_NOT_ALLOWED).",
      params: UserOrganizationParams,
      response: { 204: NoContent, ...problems(...membershipEnd) },
    }),
    async (request) => {
      await members.leave(signedIn(request.caller), request.params.id, request.params.organizationId);
    },
  );

  app.put(
    '/users/me/default-organization',
    operation(authenticated, {
      tags: ['users', ...tags],
      summary: 'Choose where your sign-ins land',
      description:
        'Makes one of your organizations (an active membership) your default one: new sign-ins act there, and a session whose membership ends falls back to it. Refused with 403 NOT_A_MEMBER otherwise.',
      body: DefaultOrganizationBody,
      response: { 200: DefaultOrganizationBody, ...problems(orgErrors.NOT_A_MEMBER) },
    }),
    async (request) => members.setDefaultOrganization(signedIn(request.caller), request.body.organizationId),
  );
};
