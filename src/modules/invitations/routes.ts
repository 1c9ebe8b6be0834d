import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { requirePermission, signedIn } from '../../http/route-policy.js';
import { IdParams, NoContent, problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { accessErrors } from '../access/errors.js';
import { organizationErrors } from '../organizations/errors.js';
import { invitationErrors as errors } from './errors.js';
import {
  CreateInvitationBody,
  CreateInvitationQuery,
  InvitationEnvelope,
  InvitationList,
  InvitationParams,
  InvitationView,
  ListInvitationsQuery,
} from './schemas.js';
import type { InvitationsService } from './service.js';

const operation = operations(['invitations']);
const missing = errors.INVITATION_NOT_FOUND;

/** Invitations for administrators (`invitations:manage`), inside their tenancy. */
export const invitationRoutes: FastifyPluginAsyncTypebox<{ invitations: InvitationsService }> = async (app, { invitations }) => {
  const manage = requirePermission('invitations:manage');

  app.post(
    '/organizations/:id/invitations',
    operation(manage, {
      description:
        'Mails an invitation link to the address. You may only hand out roles and permissions you hold, inside your tenancy; a plan takes subscriptions:manage and starts only for an account the acceptance creates (an existing account keeps its own plan: an invitation changes nothing of an account beyond the organization it joins). The link works once, until it expires.',
      summary: 'Invite someone to the organization, with the roles, permissions, user type and plan they get on accepting',
      params: IdParams,
      querystring: CreateInvitationQuery,
      body: CreateInvitationBody,
      response: {
        200: InvitationEnvelope,
        201: InvitationEnvelope,
        ...problems(
          organizationErrors.ORGANIZATION_NOT_FOUND,
          errors.INVITATION_ALREADY_PENDING,
          organizationErrors.ALREADY_A_MEMBER,
          accessErrors.UNKNOWN_ROLE,
          accessErrors.UNKNOWN_PERMISSION,
          accessErrors.INVALID_EXPIRY,
          accessErrors.GRANT_EXCEEDS_OWN_ACCESS,
          httpErrors.REFERENCE_CONFLICT,
          httpErrors.RATE_LIMITED,
        ),
      },
    }),
    async (request, reply) => {
      const { invitation, created } = await invitations.create(signedIn(request.caller), request.params.id, request.body, request.query);
      return reply.status(created ? 201 : 200).send({ invitation });
    },
  );

  app.get(
    '/organizations/:id/invitations',
    operation(manage, {
      description: 'The invitations of one organization in your tenancy, filtered by status or email, newest first; page with `cursor`.',
      summary: "An organization's invitations, newest first (?status=&email=&cursor=)",
      params: IdParams,
      querystring: ListInvitationsQuery,
      response: { 200: InvitationList, ...problems(organizationErrors.ORGANIZATION_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => invitations.list(signedIn(request.caller), request.query, request.params.id),
  );

  app.get(
    '/invitations',
    operation(manage, {
      description:
        'Across the organizations you may see: invitations sent to new people and set-password links sent by administrators, with their status.',
      summary: 'Every invitation you may see, set-password ones included, newest first',
      querystring: ListInvitationsQuery,
      response: { 200: InvitationList, ...problems(pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => invitations.list(signedIn(request.caller), request.query),
  );

  app.get(
    '/invitations/:id',
    operation(manage, {
      description: 'One invitation: address, organization, what it grants, status, expiry. The token is never answered.',
      summary: 'An invitation',
      params: InvitationParams,
      response: { 200: InvitationView, ...problems(missing) },
    }),
    async (request) => invitations.get(signedIn(request.caller), request.params.id),
  );

  app.post(
    '/invitations/:id/resend',
    operation(manage, {
      description:
        'Mails the invitation again with a fresh token and expiry; the previous link stops working. Only pending invitations, and limited per invitation.',
      summary: 'Mail a pending invitation again with a new link (the old one stops working)',
      params: InvitationParams,
      response: { 200: InvitationView, ...problems(missing, errors.INVITATION_NOT_PENDING, httpErrors.RATE_LIMITED) },
    }),
    async (request) => invitations.resend(signedIn(request.caller), request.params.id),
  );

  app.delete(
    '/invitations/:id',
    operation(manage, {
      description: 'Cancels an invitation that is still pending; its link stops working. Any other answers INVITATION_NOT_PENDING.',
      summary: 'Cancel a pending invitation',
      params: InvitationParams,
      response: { 204: NoContent, ...problems(missing, errors.INVITATION_NOT_PENDING) },
    }),
    async (request) => {
      await invitations.cancel(signedIn(request.caller), request.params.id);
    },
  );
};
