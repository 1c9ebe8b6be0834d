import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Static } from '@sinclair/typebox';
import type { Executor } from '../../db/client.js';
import { AppError, httpErrors } from '../../http/errors.js';
import type { Caller } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import type { MfaRequired } from '../auth/schemas.js';
import type { DomainEvent } from '../events.js';
import type { UserRow } from '../users/service.js';
import { CHALLENGE_TTL_MS, ENROLLMENT_TTL_MS, hasSecondFactor, type MfaKit } from './deps.js';
import type { Enroller, PendingSignIn } from './enroller.js';
import { mfaErrors as errors } from './errors.js';
import type { Factors } from './factors.js';
import type { Passkeys } from './passkeys.js';
import { type MfaPolicy, mustEnrol, policyOf } from './policy.js';
import * as queries from './queries.js';
import type { RememberedDevices } from './remembered-devices.js';
import { digest, newToken, recoveryCodeHash } from './secrets.js';
import { stepOf } from './totp.js';

export type SecondFactorMethod = 'totp' | 'webauthn' | 'recovery_code';

export interface VerifyInput {
  mfaToken: string;
  method: SecondFactorMethod;
  code?: string;
  webauthnResponse?: AuthenticationResponseJSON;
  /** Remember this browser for MFA_REMEMBER_DEVICE_DAYS once the factor is proven (ignored when not offered). */
  rememberDevice?: boolean;
}

const hasFactor = (kinds: queries.FactorKind[]) => kinds.some((kind) => kind !== 'RECOVERY_CODE');

const methodsOf = (kinds: queries.FactorKind[]): Static<typeof MfaRequired>['methods'] =>
  (['TOTP', 'WEBAUTHN', 'RECOVERY_CODE'] as const)
    .filter((kind) => kinds.includes(kind))
    .map((kind) => (kind === 'TOTP' ? 'totp' : kind === 'WEBAUTHN' ? 'webauthn' : 'recovery_code'));

/**
 * The second step of every sign-in (a step of auth's sign-in pipeline, before a password change): a person
 * with a factor answers it through POST /auth/mfa/verify; one whose policy requires a factor and who has
 * none gets a token that may only enrol. Wrong codes count toward the sign-in throttle like wrong passwords.
 */
export function createSecondStep(kit: MfaKit, factors: Factors, passkeys: Passkeys, devices: RememberedDevices) {
  const { useCases, auth } = kit;
  const db = kit.context.database.primary;

  async function continuation(tx: Executor, user: UserRow, purpose: queries.ChallengePurpose, ttlMs: number, signIn: PendingSignIn) {
    const token = newToken();
    await queries.replaceChallenges(tx, {
      userId: user.id,
      purpose,
      tokenHash: digest(token),
      data: { ...signIn },
      expiresAt: new Date(Date.now() + ttlMs),
    });
    return token;
  }

  /** The sign-in waits for a factor the person has (a token for POST /auth/mfa/verify), if they have one. */
  async function askForFactor(tx: Executor, emit: Emit<DomainEvent>, user: UserRow, signIn: PendingSignIn, kinds: queries.FactorKind[]) {
    if (!hasFactor(kinds)) return undefined;
    const methods = methodsOf(kinds);
    const mfaToken = await continuation(tx, user, 'SECOND_FACTOR', CHALLENGE_TTL_MS, signIn);
    await emit({ type: 'mfa.second_factor_required', entityId: user.id, actorId: user.id, payload: { methods } });
    return { mfaRequired: true as const, mfaToken, methods };
  }

  /** The sign-in waits for a first factor to be added (a token that may only enrol). */
  async function askForEnrolment(tx: Executor, emit: Emit<DomainEvent>, user: UserRow, signIn: PendingSignIn, policy: MfaPolicy) {
    const enrollmentToken = await continuation(tx, user, 'ENROLLMENT', ENROLLMENT_TTL_MS, signIn);
    await emit({ type: 'mfa.enrolment_required', entityId: user.id, actorId: user.id, payload: { policy } });
    return { mfaEnrollmentRequired: true as const, enrollmentToken };
  }

  auth.signIn.register(
    {
      name: 'secondFactor',
      via: ['password', 'federation', 'invitation'],
      async run(tx, user, attempt) {
        if (hasSecondFactor(attempt.amr)) return undefined;
        const policy = await policyOf(kit, tx, user);
        if (policy === 'off') return undefined;
        const signIn: PendingSignIn = {
          via: attempt.via as PendingSignIn['via'],
          amr: attempt.amr,
          identifier: attempt.identifier ?? user.email,
        };
        const kinds = await queries.activeKinds(tx, user.id);
        // A browser remembered for this person spares the step (the sign-in's amr keeps only what was proven now).
        if (hasFactor(kinds) && (await devices.recognised(tx, attempt.emit, attempt.caller, user.id))) return undefined;
        const asked = await askForFactor(tx, attempt.emit, user, signIn, kinds);
        if (asked) return asked;
        if (!(await mustEnrol(kit, tx, user, policy))) return undefined;
        return askForEnrolment(tx, attempt.emit, user, signIn, policy);
      },
    },
    { before: 'passwordChange' },
  );

  /** A sign-in resumes where it stopped, its amr now with the second factor (`mfa`: more than one method). */
  const resume = (tx: Executor, emit: Emit<DomainEvent>, caller: Caller, user: UserRow, signIn: PendingSignIn, method: string) =>
    auth.signIn.complete(tx, user, { via: signIn.via, amr: [...signIn.amr, method, 'mfa'], identifier: signIn.identifier, caller, emit });

  /** The factor proven, as an RFC 8176 method, or undefined for a wrong answer. */
  async function prove(tx: Executor, emit: Emit<DomainEvent>, user: UserRow, input: VerifyInput, spent: queries.SpentSecondStep) {
    if (input.method === 'totp') {
      for (const factor of spent.totps) {
        const step = stepOf(factors.totpSecret(factor), input.code ?? '');
        if (step !== undefined && (await queries.claimStep(tx, factor.id, step))) return 'otp';
      }
      return undefined;
    }
    if (input.method === 'recovery_code') {
      const remaining = await queries.spendRecoveryCode(tx, user.id, recoveryCodeHash(input.code ?? ''));
      if (remaining === undefined) return undefined;
      await emit({ type: 'mfa.recovery_code_used', entityId: user.id, actorId: user.id, payload: { remaining } });
      return 'otp';
    }
    const expected = spent.data.webauthnChallenge;
    const factor = input.webauthnResponse ? await queries.findPasskey(tx, input.webauthnResponse.id) : undefined;
    if (!factor || factor.userId !== user.id || typeof expected !== 'string' || !input.webauthnResponse) return undefined;
    return passkeys.assertion(tx, factor, input.webauthnResponse, expected);
  }

  return {
    /**
     * A signed-in person an application needs a stronger sign-in of (its acr_values): the second step, as a
     * sign-in with a factor has it, whatever their policy says; someone without a factor adds one first
     * (refused where second factors are turned off). Answered with the session's new sign-in, which takes
     * its place; undefined when the session already holds a second factor.
     */
    async stepUp(caller: Caller, signedIn: { userId: string; amr: string[] }) {
      if (hasSecondFactor(signedIn.amr)) return undefined;
      return useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.findById(tx, signedIn.userId);
        if (!user || !auth.mayHoldSession(user)) throw httpErrors.UNAUTHORIZED();
        const via: PendingSignIn['via'] = signedIn.amr.includes('fed') ? 'federation' : 'password';
        const signIn: PendingSignIn = { via, amr: signedIn.amr, identifier: user.email };
        const asked = await askForFactor(tx, emit, user, signIn, await queries.activeKinds(tx, user.id));
        if (asked) return asked;
        const policy = await policyOf(kit, tx, user);
        if (policy === 'off') throw errors.MFA_DISABLED();
        return askForEnrolment(tx, emit, user, signIn, policy);
      });
    },

    /** Finishes a sign-in stopped for enrolment once its first factor is added; the enrolment token is spent. */
    async finishEnrolment(tx: Executor, emit: Emit<DomainEvent>, caller: Caller, enroller: Enroller, method: string) {
      const { enrolment, user } = enroller;
      if (!enrolment || !(await queries.consumeChallenge(tx, enrolment.tokenHash, 'ENROLLMENT'))) throw errors.INVALID_ENROLLMENT_TOKEN();
      return resume(tx, emit, caller, user, enrolment.signIn, method);
    },

    /** Options for the passkey answering a waiting sign-in (the challenge is kept with that sign-in). */
    async webauthnOptions(mfaToken: string) {
      const pending = await queries.findChallenge(db, digest(mfaToken), 'SECOND_FACTOR');
      if (!pending?.userId) throw errors.INVALID_MFA_TOKEN();
      const options = await passkeys.authenticationOptions(db, pending.userId);
      if (options.allowCredentials?.length === 0) throw errors.METHOD_NOT_AVAILABLE();
      await queries.mergeChallengeData(db, pending.id, { webauthnChallenge: options.challenge });
      return { options };
    },

    /**
     * POST /auth/mfa/verify: the second factor for a waiting sign-in. The token is spent only by a right
     * answer; a wrong one counts toward the throttle of the identifier signed in with, as a password does.
     * Answers the sign-in and, when asked and offered, the cookie value that remembers this browser.
     * The token is spent first, in the transaction (with the person and their TOTP factors read in that statement);
     * a throttled attempt or a wrong answer throws and the rollback gives it back.
     */
    async verify(caller: Caller, input: VerifyInput) {
      let userId: string | undefined;
      try {
        return await useCases.run(caller, async (tx, emit) => {
          const spent = await queries.spendSecondStep(tx, digest(input.mfaToken), input.method === 'totp', kit.users.asJson);
          if (!spent?.userId) throw errors.INVALID_MFA_TOKEN();
          const signIn = spent.data as unknown as PendingSignIn;
          await auth.admitSecondFactor(caller, signIn.identifier, tx);
          userId = spent.userId;
          const user = spent.person ? kit.users.fromJson(spent.person) : undefined;
          if (!user || !auth.mayHoldSession(user)) throw errors.INVALID_MFA_TOKEN();
          const method = await prove(tx, emit, user, input, spent);
          if (!method) throw errors.INVALID_MFA_CODE();
          await emit({ type: 'mfa.verified', entityId: user.id, actorId: user.id, payload: { method: input.method } });
          useCases.whenCommitted(() => auth.clearFailures(caller, signIn.identifier));
          const deviceCookie = input.rememberDevice ? await devices.remember(tx, emit, caller, user.id) : undefined;
          return { answer: await resume(tx, emit, caller, user, signIn, method), deviceCookie };
        });
      } catch (error) {
        if (userId && error instanceof AppError && error.code === errors.INVALID_MFA_CODE.code) {
          const failed = userId;
          await useCases.run(caller, (_tx, emit) =>
            emit({ type: 'mfa.verification_failed', entityId: failed, actorId: failed, payload: { method: input.method } }),
          );
        }
        throw error;
      }
    },
  };
}
