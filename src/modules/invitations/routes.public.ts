import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { addCredentialBudget, provesCredential } from '../../http/rate-limit.js';
import { publicRoute, signedInIfCredentials } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import type { SharedState } from '../../platform/shared-state.js';
import { accessErrors } from '../access/errors.js';
import { AcceptInvitationResponse } from '../auth/schemas.js';
import { organizationErrors } from '../organizations/errors.js';
import { invitationErrors as errors } from './errors.js';
import { AcceptBody, LookupQuery, LookupView } from './schemas.js';
import type { InvitationsService } from './service.js';

const operation = operations(['invitations']);
const limited = httpErrors.RATE_LIMITED;

/** The invitee's routes: they take a mailed token, so they share the per-IP budget of every credential route. */
export const invitationPublicRoutes: FastifyPluginAsyncTypebox<{
  invitations: InvitationsService;
  state: SharedState;
  perIpLimit: number;
}> = async (app, { invitations, state, perIpLimit }) => {
  addCredentialBudget(app, state, perIpLimit);

  app.get(
    '/invitations/lookup',
    operation(
      { ...publicRoute, ...provesCredential },
      {
        description:
          "Takes the token of a mailed invitation and answers the email, the organization's name, the expiry, and whether an account already uses the address (sign in to accept) or not (choose a password).",
        summary: 'What a sign-up page needs to know of an invitation',
        querystring: LookupQuery,
        response: { 200: LookupView, ...problems(errors.INVALID_INVITATION, limited) },
      },
    ),
    async (request) => invitations.lookup(request.query.token),
  );

  app.post(
    '/invitations/accept',
    operation(
      { ...signedInIfCredentials, ...provesCredential },
      {
        description:
          "Takes the invitation token. Without credentials a new account is created with the password given (an existing account without a password gets it; when its address was not proven before, the account is claimed by its mailbox's owner as a password reset claims it: its sessions, API keys, second factors, passkeys and linked identities go); with a Bearer token the signed-in account joins (a session's: an API key answers 403 API_KEY_NOT_ALLOWED, an impersonation 403 IMPERSONATION_NOT_ALLOWED), and the session it answers keeps how and when that session was signed in (`amr`, `auth_time`), so accepting never counts as a fresh sign-in. Either way the invitation's roles and permissions apply within the organization, its user type to a new account or one in no organization yet, and its plan to a new account only (an existing account keeps its own plan, which PUT /users/:id/subscription changes for whoever may change that account); the answer carries tokens as POST /auth/login does, or stops at the second step (mfaRequired) or at the enrolment the organization's MFA policy requires (mfaEnrollmentRequired).",
        summary: 'Accept an invitation: a new account chooses a password; an existing one is signed in (Bearer). Answers as login does',
        body: AcceptBody,
        response: {
          200: AcceptInvitationResponse,
          ...problems(
            errors.INVALID_INVITATION,
            errors.SIGN_IN_TO_ACCEPT,
            errors.INVITATION_FOR_ANOTHER_ACCOUNT,
            organizationErrors.ALREADY_A_MEMBER,
            httpErrors.EMAIL_ALREADY_EXISTS,
            accessErrors.API_KEY_NOT_ALLOWED,
            accessErrors.IMPERSONATION_NOT_ALLOWED,
            limited,
          ),
        },
      },
    ),
    async (request) => invitations.accept(request.caller, request.body),
  );
};
