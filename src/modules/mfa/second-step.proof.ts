import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Executor } from '../../db/client.js';
import type { Emit } from '../../platform/use-case.js';
import type { Sealed } from '../auth/service.js';
import type { DomainEvent } from '../events.js';
import type { MfaKit } from './deps.js';
import type { PendingSignIn } from './enroller.js';
import { mfaErrors as errors } from './errors.js';
import type { Factors } from './factors.js';
import type { Passkeys } from './passkeys.js';
import * as queries from './queries.js';
import * as secondStep from './queries.second-step.js';
import { digest, recoveryCodeHashes } from './secrets.js';
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

/**
 * What a waiting sign-in's mfaToken holds, sealed (no row does): who, how the sign-in came in, and their TOTP
 * factors as stored (secrets still sealed at rest), so the verify checks a code before it reads anything.
 */
export interface SecondFactorContinuation {
  sub: string;
  signIn: PendingSignIn;
  totps: secondStep.SignInFactors['totps'];
  /** auth's stamp of the password proven: a new one set meanwhile (a reset, an administrator's) ends the sign-in. */
  password: string;
}

/** A waiting sign-in's opened mfaToken: its content, and its single use's jti and end. */
type Pending = SecondFactorContinuation & Sealed;
type TimeStep = NonNullable<secondStep.SecondStepSpend['claim']>;

/**
 * The answer to a waiting sign-in, proven: a TOTP code against the factors its token holds, a recovery code, or
 * a passkey's assertion against the challenge kept under the token; the token spent in the same statement.
 */
export function createFactorProof(kit: MfaKit, factors: Factors, passkeys: Passkeys) {
  const { auth } = kit;

  /** The TOTP factor and time step a code belongs to, or undefined for a wrong code (nothing read: the token holds the factors). */
  function stepOfCode(pending: Pending, code: string): TimeStep | undefined {
    for (const factor of pending.totps) {
      const step = stepOf(factors.totpSecret(factor), code);
      if (step !== undefined) return { factorId: factor.id, step };
    }
    return undefined;
  }

  /** The row a token's single use is recorded in: its jti's digest, kept until the token's end. */
  const spentAs = (pending: Pending) => ({ tokenHash: digest(pending.jti), userId: pending.sub, expiresAt: new Date(pending.exp) });

  /** The person a spend found, when the token was unspent, they may still hold a session and their password is the one proven. */
  function personOf(spent: secondStep.SpentSecondStep, pending: Pending) {
    const user = spent.spent && spent.person ? kit.users.fromJson(spent.person) : undefined;
    if (!user || !auth.mayHoldSession(user) || auth.passwordStamp(user) !== pending.password) throw errors.INVALID_MFA_TOKEN();
    return user;
  }

  /**
   * Spends the token and proves the factor, in the verify's transaction: the person and the factor's RFC 8176
   * method, or INVALID_MFA_CODE (the rollback gives the token back). A TOTP code's time step (`claim`, found
   * before the transaction) is claimed in the statement that spends the token.
   */
  async function prove(tx: Executor, emit: Emit<DomainEvent>, pending: Pending, input: VerifyInput, claim: TimeStep | undefined) {
    const spent = await secondStep.spendSecondStep(tx, { ...spentAs(pending), claim }, kit.users.asJson);
    const user = personOf(spent, pending);
    if (claim) {
      if (!spent.claimed) throw errors.INVALID_MFA_CODE();
      return { user, method: 'otp' };
    }
    if (input.method === 'recovery_code') {
      const remaining = await queries.spendRecoveryCode(tx, user.id, recoveryCodeHashes(user.id, input.code ?? ''));
      if (remaining === undefined) throw errors.INVALID_MFA_CODE();
      await emit({ type: 'mfa.recovery_code_used', entityId: user.id, actorId: user.id, payload: { remaining } });
      return { user, method: 'otp' };
    }
    const expected = spent.webauthnChallenge;
    const factor = input.webauthnResponse ? await queries.findPasskey(tx, input.webauthnResponse.id) : undefined;
    if (!factor || factor.userId !== user.id || !expected || !input.webauthnResponse) throw errors.INVALID_MFA_CODE();
    const method = await passkeys.assertion(tx, factor, input.webauthnResponse, expected);
    if (!method) throw errors.INVALID_MFA_CODE();
    return { user, method };
  }

  return { stepOfCode, spentAs, prove };
}
