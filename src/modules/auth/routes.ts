import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { addCredentialBudget, perIpTokenExchangeLimit, provesCredential } from '../../http/rate-limit.js';
import { publicRoute, signedIn, signedInIfCredentials } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import type { SharedState } from '../../platform/shared-state.js';
import { accessErrors } from '../access/errors.js';
import { organizationErrors } from '../organizations/errors.js';
import { authErrors as errors } from './errors.js';
import {
  Accepted,
  ChangePasswordBody,
  EmailBody,
  Jwks,
  LoginBody,
  LoginResponse,
  RefreshBody,
  RegisterBody,
  ResetBody,
  TokenBody,
  TokenResponse,
} from './schemas.js';
import type { AuthService } from './service.js';

const tags = ['auth'];
const operation = operations(tags);
// One message whatever happened, so the answer tells nothing about which addresses have accounts.
const CHECK_INBOX = 'If the address can receive it, a message is on its way. Check your inbox.';
const limited = httpErrors.RATE_LIMITED;

/**
 * The /auth routes that accept a password or a mailed link: each IP may call them AUTH_RATE_LIMIT_PER_MINUTE
 * times a minute, before the body is even read.
 */
export const credentialRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; state: SharedState; perIpLimit: number }> = async (
  app,
  { auth, state, perIpLimit },
) => {
  addCredentialBudget(app, state, perIpLimit);
  const accepted = { 202: Accepted, ...problems(limited) };
  const done = (codes = problems(limited)) => ({ 204: NoContent, ...codes });

  app.post(
    '/register',
    operation(publicRoute, {
      description:
        'Creates an account that can sign in at once and mails a link to verify its address. Always answers 202 with the same message: when the address is taken, its owner is told by mail instead, so the answer reveals no account. Refused (403) when SELF_REGISTRATION is off.',
      summary: 'Create an account',
      body: RegisterBody,
      response: { ...accepted, ...problems(errors.REGISTRATION_CLOSED) },
    }),
    async (request) => {
      await auth.register(request.caller, request.body);
      return { message: CHECK_INBOX };
    },
  );

  app.post(
    '/login',
    operation(
      { ...publicRoute, ...provesCredential },
      {
        description:
          'Answers an access token, a refresh token and the user. Wrong email, username or password all answer the same 401 INVALID_CREDENTIALS. A person with a second factor gets `mfaRequired` and an mfaToken for POST /auth/mfa/verify instead; one whose MFA policy requires a factor they lack gets `mfaEnrollmentRequired` and an enrolment token; a temporary password answers only a change token for POST /auth/change-password.',
        summary: 'Sign in with email or username (a temporary password answers with a change token only)',
        body: LoginBody,
        response: { 200: LoginResponse, ...problems(errors.INVALID_CREDENTIALS, limited) },
      },
    ),
    async (request) => auth.login(request.caller, request.body),
  );

  app.post(
    '/forgot-password',
    operation(publicRoute, {
      description:
        'Mails a reset link when an account uses the address. Always answers 202 with the same message, so the answer reveals no account.',
      summary: 'Mail a password reset link',
      body: EmailBody,
      response: accepted,
    }),
    async (request) => {
      await auth.forgotPassword(request.caller, request.body.email);
      return { message: CHECK_INBOX };
    },
  );

  app.post(
    '/reset-password',
    operation(
      { ...publicRoute, ...provesCredential },
      {
        description:
          "Takes the token of a mailed reset or set-password link and the new password; the link works once. It proves the address too, and ends every session of the user. When the address was not proven before, the account is claimed by its mailbox's owner: whatever was added to it before goes too (its API keys, second factors, recovery codes and passkeys, remembered browsers, linked identities, what applications hold).",
        summary: 'Set a new password with a reset or set-password link',
        body: ResetBody,
        response: done(problems(errors.INVALID_LINK, limited)),
      },
    ),
    async (request) => {
      await auth.resetPassword(request.caller, request.body);
    },
  );

  app.post(
    '/verify-email',
    operation(
      { ...publicRoute, ...provesCredential },
      {
        description: 'Takes the token of a mailed verification link and marks the address verified. The link works once.',
        summary: 'Confirm an email address',
        body: TokenBody,
        response: done(problems(errors.INVALID_LINK, limited)),
      },
    ),
    async (request) => {
      await auth.verifyEmail(request.caller, request.body.token);
    },
  );

  for (const [url, summary, description, flow] of [
    [
      '/confirm-email-change',
      'Confirm a new email address (from the link mailed to it)',
      'Takes the token of the link mailed to a pending new address and makes that address the verified one the account signs in with and receives resets at. Other sessions end unless EMAIL_CHANGE_ENDS_SESSIONS=false. The link works once.',
      auth.confirmEmailChange,
    ],
    [
      '/revert-email-change',
      "This wasn't me: cancel or undo an email change, end every session, mail a password reset to the old address",
      'Takes the token of the notice mailed to the old address (valid 7 days, even after the change was confirmed): cancels the pending change or restores the old address, ends every session, and mails a password reset to the old address.',
      auth.revertEmailChange,
    ],
    [
      '/dispute-registration',
      'I did not sign up: take the account made with this address from whoever made it',
      "Takes the token of the second link of a sign-up's confirmation mail (valid 7 days, even after the address was confirmed, while the account keeps that address): the address counts as proven, and the account loses its password, any pending address change, every session, API key, second factor, passkey and linked identity. A link to choose a password is mailed to the address. The link works once.",
      auth.disputeRegistration,
    ],
  ] as const) {
    app.post(
      url,
      operation(
        { ...publicRoute, ...provesCredential },
        { summary, description, body: TokenBody, response: done(problems(errors.INVALID_LINK, limited)) },
      ),
      async (request) => {
        await flow(request.caller, request.body.token);
      },
    );
  }

  app.post(
    '/resend-verification',
    operation(publicRoute, {
      description:
        'Mails a new verification link when an unverified account uses the address. Always answers 202 with the same message, so the answer reveals no account.',
      summary: 'Mail a new verification link',
      body: EmailBody,
      response: accepted,
    }),
    async (request) => {
      await auth.resendVerification(request.caller, request.body.email);
      return { message: CHECK_INBOX };
    },
  );

  app.post(
    '/change-password',
    {
      // Signed in, a credential change: step-up (a change token's holder has just signed in).
      config: { ...signedInIfCredentials, ...provesCredential, stepUp: true },
      schema: {
        tags,
        description:
          'With a Bearer token: send the current and the new password. After a sign-in with a temporary password: send the change token instead of credentials, and the answer signs you in.',
        summary:
          'Change the password: signed in with the current one (ends your other sessions, 204), or with the change token of a temporary password (signs you in, 200)',
        body: ChangePasswordBody,
        response: {
          200: TokenResponse,
          ...done(
            problems(
              errors.WRONG_CURRENT_PASSWORD,
              errors.INVALID_CREDENTIALS,
              errors.INVALID_CHANGE_TOKEN,
              errors.PASSWORD_UNCHANGED,
              accessErrors.API_KEY_NOT_ALLOWED,
              accessErrors.IMPERSONATION_NOT_ALLOWED,
              httpErrors.UNAUTHORIZED,
              limited,
            ),
          ),
        },
      },
    },
    async (request, reply) => {
      const { changeToken, currentPassword, newPassword } = request.body;
      if (changeToken) return auth.replaceTemporaryPassword(request.caller, { changeToken, newPassword });
      await auth.changePassword(signedIn(request.caller), { currentPassword: currentPassword as string, newPassword });
      return reply.status(204).send();
    },
  );
};

/**
 * POST /auth/refresh-token: every client's routine, with a token nobody can guess, so each IP may call it
 * AUTH_TOKEN_RATE_LIMIT_PER_MINUTE times a minute in a budget of its own: in the credential routes', an office
 * behind one NAT would spend it on refreshes and then sign nobody in.
 */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; state: SharedState; perIpLimit: number }> = async (
  app,
  { auth, state, perIpLimit },
) => {
  app.addHook('onRequest', perIpTokenExchangeLimit(state, perIpLimit));

  app.post(
    '/refresh-token',
    operation(publicRoute, {
      description:
        "Trades a refresh token for a new access token and a new refresh token; the old one stops working. Presenting a used refresh token again ends its whole session, as a stolen token would be. The token of a browser session (the hosted pages' cookie, which no client holds) is refused with 401 INVALID_REFRESH_TOKEN. With `organizationId`, the session moves to that organization as POST /auth/switch-organization does (audited the same way): refused with 403 NOT_A_MEMBER, the refresh token left unspent, for an organization you are not an active member of. Limited per IP by AUTH_TOKEN_RATE_LIMIT_PER_MINUTE (429 with Retry-After), a budget apart from the sign-in routes'.",
      summary: 'Rotate a refresh token (optionally into another of your organizations)',
      body: RefreshBody,
      response: { 200: TokenResponse, ...problems(errors.INVALID_REFRESH_TOKEN, organizationErrors.NOT_A_MEMBER, limited) },
    }),
    async (request) => auth.sessions.refresh(request.caller, request.body.refreshToken, request.body.organizationId),
  );
};

export const jwksRoute: FastifyPluginAsyncTypebox<{ jwks: () => Promise<{ keys: object[] }> }> = async (app, { jwks }) => {
  app.get(
    '/.well-known/jwks.json',
    operation(publicRoute, {
      description:
        'The JSON Web Key Set of the keys that sign access tokens, the retiring ones included during a rotation, so another service can verify a token without calling Tessera.',
      summary: 'Public keys that verify access tokens',
      response: { 200: Jwks },
    }),
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(await jwks()),
  );
};
