import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpErrors } from '../../http/errors.js';
import { operations } from '../../http/operation.js';
import { addCredentialBudget, perIpTokenExchangeLimit, provesCredential } from '../../http/rate-limit.js';
import { authenticated, publicRoute, requirePermission, signedIn, signedInIfCredentials } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import type { SharedState } from '../../platform/shared-state.js';
import { accessErrors } from '../access/errors.js';
import { userErrors } from '../users/errors.js';
import { UserIdParams } from '../users/schemas.js';
import { mfaErrors as errors } from './errors.js';
import {
  CeremonyOptions,
  ConfirmedTotp,
  ConfirmTotpBody,
  EnrolBody,
  FactorList,
  FactorParams,
  FactorView,
  FreshBody,
  LoginResponse,
  MfaTokenBody,
  PasskeyBody,
  PasskeyList,
  PasskeyLoginBody,
  PasskeySignInResponse,
  RecoveryCodeSet,
  RegisteredPasskey,
  RenameBody,
  SecondFactorOptions,
  TotpEnrolment,
  VerifyBody,
} from './schemas.js';
import type { MfaService } from './service.js';

const operation = operations(['mfa']);
const limited = httpErrors.RATE_LIMITED;
/** What adding a factor may answer: the fresh-authentication refusals and the enrolment token's. */
const enrolProblems = [
  // A factor is added only to an account whose address is proven: it would outlast the mailbox owner's password reset.
  userErrors.EMAIL_NOT_VERIFIED,
  errors.WRONG_PASSWORD,
  errors.MFA_DISABLED,
  errors.INVALID_ENROLLMENT_TOKEN,
  httpErrors.STEP_UP_REQUIRED,
  // Neither signed in nor holding an enrolment token.
  httpErrors.UNAUTHORIZED,
  accessErrors.API_KEY_NOT_ALLOWED,
  accessErrors.IMPERSONATION_NOT_ALLOWED,
  // A wrong password counts toward the sign-in throttle.
  limited,
] as const;
const stepUp = { ...authenticated, stepUp: true };

/**
 * Sign-in's second step and passwordless passkeys: public, limited per IP like the password (AUTH_RATE_LIMIT_PER_MINUTE),
 * and wrong codes count toward the per-account sign-in throttle. Their ceremonies' options are mfaCeremonyStartRoutes'.
 */
export const mfaSignInRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService; state: SharedState; perIpLimit: number }> = async (
  app,
  { mfa, state, perIpLimit },
) => {
  addCredentialBudget(app, state, perIpLimit);

  app.post(
    '/auth/mfa/verify',
    operation(
      { ...publicRoute, ...provesCredential },
      {
        summary: 'Finish a sign-in with its second factor',
        description:
          'The mfaToken of a sign-in that answered `mfaRequired`, and a 6-digit TOTP code, a recovery code (each works once) or a passkey assertion (options from POST /auth/mfa/webauthn/options). Answers the token pair with `amr` including the factor. A wrong code answers 401 INVALID_MFA_CODE and counts toward the same per-account throttle as wrong passwords (429 after too many); the mfaToken stays usable until it expires (5 minutes) and works once. With `rememberDevice: true` (and MFA_REMEMBER_DEVICE_DAYS above 0) the answer sets a signed HttpOnly cookie: a later POST /auth/login from this browser skips the second step (amr pwd, acr aal1).',
        body: VerifyBody,
        response: { 200: LoginResponse, ...problems(errors.INVALID_MFA_TOKEN, errors.INVALID_MFA_CODE, limited) },
      },
    ),
    async (request, reply) => {
      const { answer, deviceCookie } = await mfa.verify(request.caller, request.body);
      if (deviceCookie) reply.header('set-cookie', mfa.devices.cookieHeader(deviceCookie));
      return answer;
    },
  );

  app.post(
    '/auth/passkeys/login',
    operation(
      { ...publicRoute, ...provesCredential },
      {
        summary: 'Sign in with a passkey, no password',
        description:
          'The assertion for the challenge: the token pair, with `amr` hwk (a device-bound passkey) or swk (a synced one) and acr aal2. An account with a temporary password (set by an administrator) answers `passwordChangeRequired` and a change token instead, as POST /auth/login does; POST /auth/change-password then finishes the sign-in with the same `amr`.',
        body: PasskeyLoginBody,
        response: {
          200: PasskeySignInResponse,
          ...problems(errors.INVALID_PASSKEY_CHALLENGE, errors.PASSKEY_NOT_VERIFIED, limited),
        },
      },
    ),
    async (request) => mfa.passkeys.login(request.caller, request.body),
  );
};

/**
 * The options a passkey's assertion answers: they check nothing (what can be guessed is the assertion, which the
 * credential budget counts), so they are held off a flood by the token budget (AUTH_TOKEN_RATE_LIMIT_PER_MINUTE),
 * not the credential one: there each passkey sign-in would keep a count, and an office behind one NAT signing in
 * with passkeys would spend the budget its people's mistyped passwords need.
 */
export const mfaCeremonyStartRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService; state: SharedState; perIpLimit: number }> = async (
  app,
  { mfa, state, perIpLimit },
) => {
  app.addHook('onRequest', perIpTokenExchangeLimit(state, perIpLimit));

  app.post(
    '/auth/mfa/webauthn/options',
    operation(publicRoute, {
      summary: 'Passkey options for a waiting sign-in',
      description:
        "Options for an assertion by one of the person's passkeys, to answer POST /auth/mfa/verify with method webauthn. Limited per IP by AUTH_TOKEN_RATE_LIMIT_PER_MINUTE (429 with Retry-After): it checks nothing, POST /auth/mfa/verify is what counts in the sign-in routes' budget.",
      body: MfaTokenBody,
      response: { 200: SecondFactorOptions, ...problems(errors.INVALID_MFA_TOKEN, errors.METHOD_NOT_AVAILABLE, limited) },
    }),
    async (request) => mfa.webauthnOptions(request.body.mfaToken),
  );

  app.post(
    '/auth/passkeys/login/options',
    operation(publicRoute, {
      summary: 'Start a passkey sign-in',
      description:
        "Options for a discoverable-credential assertion (no user named: the browser offers the passkeys it holds for this site) and the challengeId to send back. Single use, 5 minutes. Limited per IP by AUTH_TOKEN_RATE_LIMIT_PER_MINUTE (429 with Retry-After): it checks nothing, POST /auth/passkeys/login is what counts in the sign-in routes' budget.",
      response: { 200: CeremonyOptions, ...problems(limited) },
    }),
    async (request) => mfa.passkeys.loginOptions(request.caller),
  );
};

/** A person's own factors; adding one needs a fresh authentication or an enrolment token, removing one step-up. */
export const ownFactorRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService }> = async (app, { mfa }) => {
  app.get(
    '/auth/mfa',
    operation(authenticated, {
      summary: 'Your second factors (never a secret)',
      description:
        'Authenticator apps and passkeys with their kind, name, creation and last use, and whether unused recovery codes remain.',
      response: { 200: FactorList },
    }),
    async (request) => mfa.factors.list(signedIn(request.caller)),
  );

  app.post(
    '/auth/mfa/totp',
    operation(signedInIfCredentials, {
      summary: 'Start adding an authenticator app',
      description:
        'A new TOTP secret, its otpauth:// URI and a QR code (SVG); it counts once a code from it is confirmed. A person has at most 5 authenticator apps (409 AUTHENTICATOR_LIMIT_REACHED). Signed in with a sign-in within STEP_UP_MAX_AGE (with your second factor if you have one) or your current password in the body; or with the enrolment token of a sign-in that must enrol. Only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED.',
      body: EnrolBody,
      response: { 201: TotpEnrolment, ...problems(errors.AUTHENTICATOR_LIMIT_REACHED, ...enrolProblems) },
    }),
    (request) => mfa.factors.startTotp(request.caller, request.body),
  );

  app.post(
    '/auth/mfa/totp/:factorId/confirm',
    operation(signedInIfCredentials, {
      summary: 'Activate an authenticator app with a code from it',
      description:
        'Activates the factor and answers 10 recovery codes, shown this once (each works once; stored hashed). With an enrolment token, the sign-in it stopped finishes: `signIn` holds the token pair. Only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED.',
      params: FactorParams,
      body: ConfirmTotpBody,
      response: {
        200: ConfirmedTotp,
        ...problems(errors.FACTOR_NOT_FOUND, errors.FACTOR_ALREADY_CONFIRMED, errors.INVALID_MFA_CODE, ...enrolProblems),
      },
    }),
    async (request) => mfa.factors.confirmTotp(request.caller, request.params.factorId, request.body),
  );

  app.post(
    '/auth/mfa/recovery-codes',
    operation(authenticated, {
      summary: 'Replace your recovery codes',
      description:
        'A new set of 10 recovery codes replaces the old one (shown this once). Needs a fresh authentication, as adding a factor does. Only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED.',
      body: FreshBody,
      response: { 200: RecoveryCodeSet, ...problems(errors.METHOD_NOT_AVAILABLE, ...enrolProblems) },
    }),
    async (request) => mfa.factors.regenerateRecoveryCodes(signedIn(request.caller), request.body),
  );

  app.patch(
    '/auth/mfa/:factorId',
    operation(authenticated, {
      summary: 'Rename a factor',
      description: 'Renames one of your authenticator apps or passkeys. Not with an API key, nor while impersonated.',
      params: FactorParams,
      body: RenameBody,
      response: {
        200: FactorView,
        ...problems(errors.FACTOR_NOT_FOUND, accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED),
      },
    }),
    async (request) => mfa.factors.rename(signedIn(request.caller), request.params.factorId, request.body.name),
  );

  app.delete(
    '/auth/mfa/:factorId',
    operation(stepUp, {
      summary: 'Remove a factor',
      description:
        'Removes one of your authenticator apps or passkeys (step-up: a sign-in within STEP_UP_MAX_AGE with a second factor, else 401 STEP_UP_REQUIRED). You are mailed, and every browser remembered for you (rememberDevice) asks for a factor again. The last one takes the recovery codes with it.',
      params: FactorParams,
      response: {
        204: NoContent,
        ...problems(errors.FACTOR_NOT_FOUND, accessErrors.API_KEY_NOT_ALLOWED, accessErrors.IMPERSONATION_NOT_ALLOWED),
      },
    }),
    async (request) => {
      await mfa.factors.remove(signedIn(request.caller), request.params.factorId);
    },
  );

  app.post(
    '/auth/passkeys/options',
    operation(signedInIfCredentials, {
      summary: 'Start registering a passkey',
      description:
        'Registration options (a discoverable credential with user verification) and the challengeId to send back with the answer. Fresh authentication as for an authenticator app, or an enrolment token. Only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED.',
      body: EnrolBody,
      response: { 200: CeremonyOptions, ...problems(...enrolProblems) },
    }),
    async (request) => mfa.passkeys.registrationOptions(request.caller, request.body),
  );

  app.post(
    '/auth/passkeys',
    operation(signedInIfCredentials, {
      summary: 'Register a passkey',
      description:
        "The browser's answer to the options. The first factor also brings 10 recovery codes (shown once); with an enrolment token the sign-in finishes (`signIn`). You are mailed. Only for an account whose email address is confirmed: otherwise 403 EMAIL_NOT_VERIFIED.",
      body: PasskeyBody,
      response: { 201: RegisteredPasskey, ...problems(errors.INVALID_PASSKEY_CHALLENGE, errors.PASSKEY_NOT_VERIFIED, ...enrolProblems) },
    }),
    (request) => mfa.passkeys.register(request.caller, request.body),
  );

  app.get(
    '/auth/passkeys',
    operation(authenticated, {
      summary: 'Your passkeys',
      description:
        'Your passkeys with their names, creation and last use (rename with PATCH /auth/mfa/:factorId, delete with DELETE /auth/mfa/:factorId).',
      response: { 200: PasskeyList },
    }),
    async (request) => ({ data: await mfa.passkeys.list(signedIn(request.caller).principal.userId) }),
  );
};

/** An administrator's reset of a person's factors: the person who lost every factor and their codes. */
export const userFactorRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService }> = async (app, { mfa }) => {
  app.delete(
    '/users/:id/mfa',
    operation(
      { ...requirePermission('users:write'), stepUp: true },
      {
        summary: "Reset a person's second factors",
        description:
          'Removes every authenticator app, passkey and recovery code of the person, who is mailed and, under a policy that requires a factor, enrols again at the next sign-in. Audited; needs step-up.',
        params: UserIdParams,
        response: {
          204: NoContent,
          ...problems(userErrors.USER_NOT_FOUND, accessErrors.ACCOUNT_HOLDS_MORE_ACCESS, accessErrors.API_KEY_NOT_ALLOWED),
        },
      },
    ),
    async (request) => {
      await mfa.factors.reset(signedIn(request.caller), request.params.id);
    },
  );
};
