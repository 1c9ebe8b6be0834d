import type { Executor } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { assertNotApiKey } from '../access/service.js';
import type { UserRow } from '../users/service.js';
import { type MfaKit, SECOND_FACTOR_AMR } from './deps.js';
import { mfaErrors as errors } from './errors.js';
import { policyOf } from './policy.js';
import * as queries from './queries.js';
import { digest } from './secrets.js';

/** A sign-in stopped for enrolment: how it came in, to finish it once a factor is added. */
export interface PendingSignIn {
  via: 'password' | 'federation' | 'invitation';
  amr: string[];
  identifier: string;
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

  /**
   * Step-up (RFC 9470): the session's sign-in within STEP_UP_MAX_AGE and, when the person has a factor,
   * proven with one. What the route guard applies to routes that change credentials or grant power, and
   * the email change without a password. API keys are no sign-in: their scopes bound them.
   */
  async function stepUpVerdict(db: Executor, caller: SignedInCaller): Promise<'ok' | 'stale' | 'weak'> {
    const { principal } = caller;
    if (principal.apiKeyId) return 'ok';
    const signedIn = principal.sessionId ? await kit.auth.authenticationOf(db, principal.sessionId) : undefined;
    if (!signedIn || Date.now() - signedIn.authTime.getTime() > config.STEP_UP_MAX_AGE) return 'stale';
    if (signedIn.amr.some((method) => SECOND_FACTOR_AMR.includes(method))) return 'ok';
    return (await queries.activeKinds(db, principal.userId)).some((kind) => kind !== 'RECOVERY_CODE') ? 'weak' : 'ok';
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
   * password given now, or step-up; not asked again to finish an enrolment it started). Refused when their policy turns second factors off.
   */
  async function enroller(tx: Executor, caller: Caller, input: EnrolInput, fresh = true): Promise<Enroller> {
    let found: Enroller;
    if (input.enrollmentToken !== undefined) {
      const tokenHash = digest(input.enrollmentToken);
      const pending = await queries.findChallenge(tx, tokenHash, 'ENROLLMENT');
      const user = pending?.userId ? await kit.users.findById(tx, pending.userId) : undefined;
      if (!pending || !user || !kit.auth.mayHoldSession(user)) throw errors.INVALID_ENROLLMENT_TOKEN();
      found = { user, enrolment: { tokenHash, signIn: pending.data as unknown as PendingSignIn } };
    } else {
      if (!caller.principal) throw httpErrors.UNAUTHORIZED();
      const signedIn = caller as SignedInCaller;
      assertNotApiKey(signedIn.principal);
      const user = await kit.users.findById(tx, signedIn.principal.userId);
      if (!user) throw httpErrors.UNAUTHORIZED();
      // Finishing what a fresh authentication started (a pending factor, a spent challenge) is not asked again.
      if (fresh && input.password !== undefined) {
        if (!(await kit.auth.verifyPassword(user, input.password))) throw errors.WRONG_PASSWORD();
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
