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
import * as secondStep from './queries.second-step.js';
import type { RememberedDevices } from './remembered-devices.js';
import { createFactorProof, type SecondFactorContinuation, type VerifyInput } from './second-step.proof.js';
import { digest, newToken } from './secrets.js';

const hasFactor = (kinds: queries.FactorKind[]) => kinds.some((kind) => kind !== 'RECOVERY_CODE');

const methodsOf = (kinds: queries.FactorKind[]): Static<typeof MfaRequired>['methods'] =>
  (['TOTP', 'WEBAUTHN', 'RECOVERY_CODE'] as const)
    .filter((kind) => kinds.includes(kind))
    .map((kind) => (kind === 'TOTP' ? 'totp' : kind === 'WEBAUTHN' ? 'webauthn' : 'recovery_code'));

/** The purpose auth's sealed continuations are made for here: a sign-in waiting for its second factor. */
const SECOND_FACTOR = 'second-factor';

/** What the second step does with a sign-in: let it through, ask for a factor the person has, or ask for one to be added. */
type Decision = 'pass' | { factors: secondStep.SignInFactors } | { policy: MfaPolicy };

/**
 * The second step of every sign-in (a step of auth's sign-in pipeline, before a password change): a person
 * with a factor answers it through POST /auth/mfa/verify; one whose policy requires a factor and who has
 * none gets a token that may only enrol. Wrong codes count toward the sign-in throttle like wrong passwords.
 */
export function createSecondStep(kit: MfaKit, factors: Factors, passkeys: Passkeys, devices: RememberedDevices) {
  const { useCases, auth } = kit;
  const db = kit.context.database.primary;
  const { stepOfCode, spentAs, prove } = createFactorProof(kit, factors, passkeys);

  async function continuation(tx: Executor, user: UserRow, purpose: queries.ChallengePurpose, ttlMs: number, signIn: PendingSignIn) {
    const token = newToken();
    await queries.insertChallenge(tx, {
      userId: user.id,
      purpose,
      tokenHash: digest(token),
      data: { ...signIn },
      expiresAt: new Date(Date.now() + ttlMs),
    });
    return token;
  }

  /**
   * The sign-in waits for a factor the person has: a sealed mfaToken for POST /auth/mfa/verify (no row; its
   * single use is recorded when it is spent). Its audit row (`askedFor`) is the caller's to record.
   */
  async function askForFactor(user: UserRow, signIn: PendingSignIn, held: secondStep.SignInFactors) {
    const content: SecondFactorContinuation = { sub: user.id, signIn, totps: held.totps, password: auth.passwordStamp(user) };
    const mfaToken = await auth.continuations.seal(SECOND_FACTOR, content, CHALLENGE_TTL_MS);
    return { mfaRequired: true as const, mfaToken, methods: methodsOf(held.kinds) };
  }

  const askedFor = (user: UserRow) => ({ type: 'mfa.second_factor_required', entityId: user.id, actorId: user.id }) as const;

  /**
   * The sign-in waits for a first factor to be added (a token that may only enrol); `provenAt`: when its first
   * factor was proven, the time the session it finishes in keeps.
   */
  async function askForEnrolment(
    tx: Executor,
    emit: Emit<DomainEvent>,
    user: UserRow,
    signIn: PendingSignIn,
    policy: MfaPolicy,
    provenAt = Date.now(),
  ) {
    const enrollmentToken = await continuation(tx, user, 'ENROLLMENT', ENROLLMENT_TTL_MS, { ...signIn, authTime: provenAt });
    await emit({ type: 'mfa.enrolment_required', entityId: user.id, actorId: user.id, payload: { policy } });
    return { mfaEnrollmentRequired: true as const, enrollmentToken };
  }

  /** What the person's policy and factors ask of this sign-in; `read` reads their factors (and may record a stop with them). */
  async function decide(
    db: Executor,
    user: UserRow,
    amr: string[],
    read: (userId: string) => Promise<secondStep.SignInFactors>,
  ): Promise<Decision> {
    if (hasSecondFactor(amr)) return 'pass';
    const policy = await policyOf(kit, db, user);
    if (policy === 'off') return 'pass';
    const held = await read(user.id);
    if (hasFactor(held.kinds)) return { factors: held };
    return (await mustEnrol(kit, db, user, policy)) ? { policy } : 'pass';
  }

  const pendingOf = (user: UserRow, attempt: { via: string; amr: string[]; identifier?: string }): PendingSignIn => ({
    via: attempt.via as PendingSignIn['via'],
    amr: attempt.amr,
    identifier: attempt.identifier ?? user.email,
  });

  auth.signIn.register(
    {
      name: 'secondFactor',
      via: ['password', 'federation', 'invitation'],
      /**
       * Before the password sign-in's transaction: the person's factors are read and, when they have one, the
       * stop is recorded in the same statement (its audit row), so asking for a factor opens no transaction.
       */
      async screen(db, user, attempt) {
        // A remembered browser's use is recorded in the transaction: the step waits for it there.
        if (devices.presents(attempt.caller)) return 'undecided';
        const readRecordingTheStop = (userId: string) =>
          useCases.runAsStatement(attempt.caller, askedFor(user), async (audit) => {
            const held = await secondStep.signInFactors(db, userId, audit);
            return { result: held, wrote: hasFactor(held.kinds) };
          });
        const decision = await decide(db, user, attempt.amr, readRecordingTheStop);
        if (decision === 'pass') return 'pass';
        // Enrolment writes its token's row: in the transaction.
        if ('policy' in decision) return 'undecided';
        return { stop: await askForFactor(user, pendingOf(user, attempt), decision.factors) };
      },
      async run(tx, user, attempt) {
        const decision = await decide(tx, user, attempt.amr, (userId) => secondStep.signInFactors(tx, userId));
        if (decision === 'pass') return undefined;
        // The session the enrolment finishes keeps the time of the proof this sign-in rests on (a signed-in person's).
        if ('policy' in decision)
          return askForEnrolment(tx, attempt.emit, user, pendingOf(user, attempt), decision.policy, attempt.authTime?.getTime());
        // A browser remembered for this person spares the step (the sign-in's amr keeps only what was proven now).
        if (await devices.recognised(tx, attempt.emit, attempt.caller, user.id)) return undefined;
        await attempt.emit(askedFor(user));
        return askForFactor(user, pendingOf(user, attempt), decision.factors);
      },
    },
    { before: 'passwordChange' },
  );

  /**
   * A sign-in resumes where it stopped, its amr now with the second factor (`mfa`: more than one method). A factor
   * answered now is an authentication now; one just added proves nothing more than the sign-in it finishes, whose
   * session keeps the time that sign-in was proven (`authTime`, of an enrolment), never a fresher one.
   */
  const resume = (
    tx: Executor,
    emit: Emit<DomainEvent>,
    caller: Caller,
    user: UserRow,
    signIn: PendingSignIn,
    method: string,
    provenAt?: number,
  ) =>
    auth.signIn.complete(tx, user, {
      via: signIn.via,
      amr: [...signIn.amr, method, 'mfa'],
      identifier: signIn.identifier,
      caller,
      emit,
      ...(provenAt === undefined ? {} : { authTime: new Date(provenAt) }),
    });

  /** The content of a waiting sign-in's mfaToken, or INVALID_MFA_TOKEN. */
  async function openToken(mfaToken: string) {
    const pending = await auth.continuations.open<SecondFactorContinuation>(SECOND_FACTOR, mfaToken);
    if (!pending) throw errors.INVALID_MFA_TOKEN();
    return pending;
  }

  return {
    /**
     * A signed-in person an application needs a stronger sign-in of (its acr_values): the second step, as a
     * sign-in with a factor has it, whatever their policy says; someone without a factor adds one first
     * (refused where second factors are turned off). Answered with the session's new sign-in, which takes
     * its place; undefined when the session already holds a second factor. Adding a factor proves nothing of
     * who adds it: a session whose sign-in is older than STEP_UP_MAX_AGE (a browser's cookie, however it was
     * come by) proves its password again first (`reauthenticationRequired`), and the sign-in the enrolment
     * finishes keeps the time of that proof.
     */
    async stepUp(caller: Caller, signedIn: { userId: string; amr: string[]; authTime: Date }) {
      if (hasSecondFactor(signedIn.amr)) return undefined;
      return useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.findById(tx, signedIn.userId);
        if (!user || !auth.mayHoldSession(user)) throw httpErrors.UNAUTHORIZED();
        const via: PendingSignIn['via'] = signedIn.amr.includes('fed') ? 'federation' : 'password';
        const signIn: PendingSignIn = { via, amr: signedIn.amr, identifier: user.email };
        const held = await secondStep.signInFactors(tx, user.id);
        if (hasFactor(held.kinds)) {
          await emit(askedFor(user));
          return askForFactor(user, signIn, held);
        }
        const policy = await policyOf(kit, tx, user);
        if (policy === 'off') throw errors.MFA_DISABLED();
        if (Date.now() - signedIn.authTime.getTime() > kit.context.config.STEP_UP_MAX_AGE) {
          return { reauthenticationRequired: true as const };
        }
        return askForEnrolment(tx, emit, user, signIn, policy, signedIn.authTime.getTime());
      });
    },

    /** Finishes a sign-in stopped for enrolment once its first factor is added; the enrolment token is spent. */
    async finishEnrolment(tx: Executor, emit: Emit<DomainEvent>, caller: Caller, enroller: Enroller, method: string) {
      const { enrolment, user } = enroller;
      if (!enrolment || !(await queries.consumeChallenge(tx, enrolment.tokenHash, 'ENROLLMENT'))) throw errors.INVALID_ENROLLMENT_TOKEN();
      return resume(tx, emit, caller, user, enrolment.signIn, method, enrolment.signIn.authTime);
    },

    /**
     * The methods a waiting sign-in may be answered with: the person's factors as they are now (recovery codes
     * while one is unused). Only the holder of its mfaToken asks, so only someone past the first step learns them.
     */
    async methodsFor(mfaToken: string) {
      const pending = await openToken(mfaToken);
      return methodsOf(await queries.activeKinds(db, pending.sub));
    },

    /** Options for the passkey answering a waiting sign-in (the challenge is kept under its token until it is spent). */
    async webauthnOptions(mfaToken: string) {
      const pending = await openToken(mfaToken);
      const options = await passkeys.authenticationOptions(db, pending.sub);
      if (options.allowCredentials?.length === 0) throw errors.METHOD_NOT_AVAILABLE();
      await secondStep.keepWebauthnChallenge(db, { ...spentAs(pending), challenge: options.challenge });
      return { options };
    },

    /**
     * POST /auth/mfa/verify: the second factor for a waiting sign-in. The token is spent only by a right
     * answer; a wrong one counts toward the throttle of the identifier signed in with, as a password does.
     * Answers the sign-in and, when asked and offered, the cookie value that remembers this browser.
     */
    async verify(caller: Caller, input: VerifyInput) {
      const pending = await openToken(input.mfaToken);
      const { signIn } = pending;
      await auth.admitAttempt(caller, { identifier: signIn.identifier, userId: pending.sub });
      try {
        // A wrong TOTP code is known before any statement: it opens no transaction (a spent token still says so).
        const claim = input.method === 'totp' ? stepOfCode(pending, input.code ?? '') : undefined;
        if (input.method === 'totp' && !claim) {
          if (await secondStep.isSpent(db, spentAs(pending).tokenHash)) throw errors.INVALID_MFA_TOKEN();
          throw errors.INVALID_MFA_CODE();
        }
        return await useCases.run(caller, async (tx, emit) => {
          const { user, method } = await prove(tx, emit, pending, input, claim);
          await emit({ type: 'mfa.verified', entityId: user.id, actorId: user.id, payload: { method: input.method } });
          useCases.whenCommitted(() => auth.clearFailures(caller, { identifier: signIn.identifier, userId: user.id }));
          const deviceCookie = input.rememberDevice ? await devices.remember(tx, emit, caller, user.id) : undefined;
          return { answer: await resume(tx, emit, caller, user, signIn, method), deviceCookie };
        });
      } catch (error) {
        if (error instanceof AppError && error.code === errors.INVALID_MFA_CODE.code) {
          const failed = {
            type: 'mfa.verification_failed',
            entityId: pending.sub,
            actorId: pending.sub,
            payload: { method: input.method },
          } as const;
          await useCases.emitAlone(caller, failed);
        }
        throw error;
      }
    },
  };
}
