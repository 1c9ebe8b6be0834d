import type { Executor } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { Caller, Principal, SignedInCaller } from '../../platform/caller.js';
import { assertNotApiKey } from '../access/service.js';
import type { UserRow } from '../users/service.js';
import { hasSecondFactor, type MfaKit, trustEndingEvents } from './deps.js';
import { mfaErrors as errors } from './errors.js';
import { policyOf } from './policy.js';
import * as queries from './queries.js';
import { digest } from './secrets.js';

/** A sign-in stopped for enrolment: how it came in, to finish it once a factor is added. */
export interface PendingSignIn {
  via: 'password' | 'federation' | 'invitation';
  amr: string[];
  identifier: string;
  /**
   * When its first factor was proven (ms since the epoch): the time the sign-in an enrolment finishes keeps. Absent
   * from a sign-in stopped before this was kept, which is then as fresh as its finish.
   */
  authTime?: number;
}

/** Who is adding a factor: a signed-in person, or a sign-in that may only enrol (its token). */
export interface Enroller {
  user: UserRow;
  /** Set for a sign-in that may only enrol: the token's hash and the sign-in to finish. */
  enrolment?: { tokenHash: string; signIn: PendingSignIn };
}

export interface EnrolInput {
  password?: string;
  enrollmentToken?: string;
}

export function createEnroller(kit: MfaKit) {
  const { config } = kit.context;

  kit.useCases.react(trustEndingEvents, async (tx, event) => {
    if (event.entityId) await queries.endPendingEnrolments(tx, event.entityId);
  });

  /**
   * How and when the caller's session was proven. An impersonation's is the administrator's sign-in, which its
   * token carries: the person signed in to nothing, and the impersonation's start proves no one (a stale sign-in
   * would otherwise pass step-up by starting one).
   */
  async function provenSignIn(db: Executor, principal: Principal) {
    if (principal.actor) {
      return { userId: principal.actor.userId, amr: principal.amr ?? [], authTime: new Date((principal.authTime ?? 0) * 1000) };
    }
    return principal.sessionId ? kit.auth.authenticationOf(db, principal.sessionId) : undefined;
  }

  /**
   * Step-up (RFC 9470): the session's sign-in within STEP_UP_MAX_AGE and, when the person has a factor,
   * proven with one. What the route guard applies to routes that change credentials or grant power, and
   * the email change without a password. API keys are no sign-in: their scopes bound them. `weak` is told
   * whatever the sign-in's age: a password given now renews its age, never its strength.
   */
  async function stepUpVerdict(db: Executor, caller: SignedInCaller): Promise<'ok' | 'stale' | 'weak'> {
    const { principal } = caller;
    if (principal.apiKeyId) return 'ok';
    const signedIn = await provenSignIn(db, principal);
    if (!signedIn) return 'stale';
    const weak =
      !hasSecondFactor(signedIn.amr) && (await queries.activeKinds(db, signedIn.userId)).some((kind) => kind !== 'RECOVERY_CODE');
    if (weak) return 'weak';
    return Date.now() - signedIn.authTime.getTime() > config.STEP_UP_MAX_AGE ? 'stale' : 'ok';
  }

  async function requireStepUp(db: Executor, caller: SignedInCaller) {
    const verdict = await stepUpVerdict(db, caller);
    if (verdict === 'ok') return;
    await kit.useCases.run(caller, (_tx, emit) =>
      emit({ type: 'mfa.step_up_refused', entityId: caller.principal.userId, payload: { reason: verdict } }),
    );
    throw httpErrors.STEP_UP_REQUIRED();
  }

  /**
   * Who enrols: the holder of an enrolment token, or the signed-in person with a fresh sign-in (their
   * password given now, or step-up; not asked again to finish an enrolment it started). Refused while the account's
   * address is unproven (EMAIL_NOT_VERIFIED, asked first: no password is worth checking then), and when their policy
   * turns second factors off.
   */
  async function enroller(tx: Executor, caller: Caller, input: EnrolInput, fresh = true): Promise<Enroller> {
    let found: Enroller;
    if (input.enrollmentToken !== undefined) {
      const tokenHash = digest(input.enrollmentToken);
      const pending = await queries.findChallenge(tx, tokenHash, 'ENROLLMENT');
      const user = pending?.userId ? await kit.users.findById(tx, pending.userId) : undefined;
      if (!pending || !user || !kit.auth.mayHoldSession(user)) throw errors.INVALID_ENROLLMENT_TOKEN();
      // The token was given for want of a factor. Once the person has one (added meanwhile by another sign-in, the
      // owner's perhaps), a password alone no longer gets in by adding a factor of its own: the sign-in answers
      // the second step with the factor they have.
      if ((await queries.activeKinds(tx, user.id)).some((kind) => kind !== 'RECOVERY_CODE')) throw errors.INVALID_ENROLLMENT_TOKEN();
      kit.users.assertAddressProven(user);
      found = { user, enrolment: { tokenHash, signIn: pending.data as unknown as PendingSignIn } };
    } else {
      if (!caller.principal) throw httpErrors.UNAUTHORIZED();
      const signedIn = caller as SignedInCaller;
      assertNotApiKey(signedIn.principal);
      const user = await kit.users.findById(tx, signedIn.principal.userId);
      if (!user) throw httpErrors.UNAUTHORIZED();
      kit.users.assertAddressProven(user);
      // Finishing what a fresh authentication started (a pending factor, a spent challenge) is not asked again.
      if (fresh && input.password !== undefined) {
        // A session is no licence to guess its password: each try counts as one at sign-in does.
        await kit.auth.admitAttempt(caller, { identifier: user.email, userId: user.id }, tx);
        if (!(await kit.auth.verifyPassword(user, input.password))) throw errors.WRONG_PASSWORD();
        await kit.auth.clearFailures(caller, { identifier: user.email, userId: user.id });
        if ((await stepUpVerdict(tx, signedIn)) === 'weak') await requireStepUp(tx, signedIn);
      } else if (fresh) {
        await requireStepUp(tx, signedIn);
      }
      found = { user };
    }
    if ((await policyOf(kit, tx, found.user)) === 'off') throw errors.MFA_DISABLED();
    return found;
  }

  return { enroller, requireStepUp, stepUpVerdict };
}

export type Enrollers = ReturnType<typeof createEnroller>;
