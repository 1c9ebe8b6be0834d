import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Executor } from '../../db/client.js';
import type { Caller } from '../../platform/caller.js';
import { CHALLENGE_TTL_MS, type MfaKit } from './deps.js';
import type { EnrolInput, Enrollers } from './enroller.js';
import { mfaErrors as errors } from './errors.js';
import { type Factors, type FinishEnrolment, factorView } from './factors.js';
import * as queries from './queries.js';
import { digest, newToken } from './secrets.js';

/** Loaded at the first passkey ceremony: the library and its certificate parsers were a tenth of a node's start. */
const webauthn = () => import('@simplewebauthn/server');

/** RFC 8176: a passkey synced between devices is a software-held key, one kept on a device a hardware one. */
export const amrOfPasskey = (factor: Pick<queries.FactorRow, 'backedUp'>) => (factor.backedUp ? 'swk' : 'hwk');

/** WebAuthn's relying party: WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS, else PUBLIC_URL's host name and origin. */
export function relyingParty(config: MfaKit['context']['config']) {
  const publicUrl = new URL(config.PUBLIC_URL);
  return {
    id: config.WEBAUTHN_RP_ID || publicUrl.hostname,
    name: config.WEBAUTHN_RP_NAME,
    origins: config.WEBAUTHN_ORIGINS.length > 0 ? config.WEBAUTHN_ORIGINS : [publicUrl.origin],
  };
}

/**
 * Passkeys (WebAuthn, discoverable credentials): registered by a signed-in person (fresh) or a sign-in that
 * may only enrol, then usable to sign in with no password, or as the second step after one. Challenges are
 * single use, five minutes, in the database (every node sees them).
 */
export function createPasskeys(kit: MfaKit, enrollers: Enrollers, factors: Factors, finishEnrolment: FinishEnrolment) {
  const { useCases } = kit;
  const db = kit.context.database.primary;
  const rp = relyingParty(kit.context.config);

  async function saveChallenge(tx: Executor, userId: string | null, purpose: queries.ChallengePurpose, challenge: string) {
    const challengeId = newToken();
    const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS);
    await queries.insertChallenge(tx, { userId, purpose, tokenHash: digest(challengeId), data: { challenge }, expiresAt });
    return challengeId;
  }

  /**
   * Verifies an assertion of a stored passkey against `challenge`; records the new counter. A counter that
   * went backwards (a cloned authenticator) is refused by the library, or by the recording when the two were verified
   * at once; a synced passkey's constant 0 is not.
   */
  async function assertion(tx: Executor, factor: queries.FactorRow, response: AuthenticationResponseJSON, challenge: string) {
    const { verifyAuthenticationResponse } = await webauthn();
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: factor.credentialId ?? '',
        publicKey: Buffer.from(factor.secret, 'base64url'),
        counter: factor.counter ?? 0,
        transports: (factor.transports ?? []) as AuthenticatorTransportFuture[],
      },
    }).catch(() => undefined);
    if (!result?.verified) return undefined;
    // Another assertion with this counter was recorded since the factor was read: the second of a cloned pair.
    if (!(await queries.recordPasskeyUse(tx, factor.id, result.authenticationInfo.newCounter))) return undefined;
    return amrOfPasskey(factor);
  }

  /** Options for an assertion by one of `userId`'s passkeys (the second step), or any discoverable one. */
  async function authenticationOptions(executor: Executor, userId?: string) {
    const allowCredentials = userId
      ? (await queries.passkeysOf(executor, userId)).map((factor) => ({
          id: factor.credentialId ?? '',
          transports: (factor.transports ?? []) as AuthenticatorTransportFuture[],
        }))
      : [];
    const { generateAuthenticationOptions } = await webauthn();
    return generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', allowCredentials, timeout: CHALLENGE_TTL_MS });
  }

  return {
    assertion,
    authenticationOptions,

    async registrationOptions(caller: Caller, input: EnrolInput) {
      const { user } = await enrollers.enroller(db, caller, input);
      const existing = await queries.passkeysOf(db, user.id);
      const { generateRegistrationOptions } = await webauthn();
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userID: new TextEncoder().encode(user.id),
        userDisplayName: user.email,
        attestationType: 'none',
        timeout: CHALLENGE_TTL_MS,
        excludeCredentials: existing.map((factor) => ({
          id: factor.credentialId ?? '',
          transports: (factor.transports ?? []) as AuthenticatorTransportFuture[],
        })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      const challengeId = await useCases.run(caller, (tx) => saveChallenge(tx, user.id, 'PASSKEY_REGISTRATION', options.challenge));
      return { options, challengeId };
    },

    /** The browser's answer to the options: a verified one becomes a passkey (and the first factor brings recovery codes). */
    async register(caller: Caller, input: EnrolInput & { challengeId: string; response: RegistrationResponseJSON; name?: string }) {
      const enroller = await enrollers.enroller(db, caller, { enrollmentToken: input.enrollmentToken }, false);
      const { user } = enroller;
      const { verifyRegistrationResponse } = await webauthn();
      return useCases.run(caller, async (tx, emit) => {
        const challenge = await queries.consumeChallenge(tx, digest(input.challengeId), 'PASSKEY_REGISTRATION');
        if (!challenge || challenge.userId !== user.id) throw errors.INVALID_PASSKEY_CHALLENGE();
        const verification = await verifyRegistrationResponse({
          response: input.response,
          expectedChallenge: String(challenge.data.challenge),
          expectedOrigin: rp.origins,
          expectedRPID: rp.id,
          requireUserVerification: true,
        }).catch(() => undefined);
        if (!verification?.verified) throw errors.PASSKEY_NOT_VERIFIED();
        const { credential, credentialBackedUp } = verification.registrationInfo;
        const hadCodes = await queries.hasRecoveryCodes(tx, user.id);
        const factor = await queries.insertFactor(tx, {
          userId: user.id,
          type: 'WEBAUTHN',
          name: input.name ?? 'Passkey',
          secret: Buffer.from(credential.publicKey).toString('base64url'),
          credentialId: credential.id,
          counter: credential.counter,
          transports: credential.transports ?? [],
          backedUp: credentialBackedUp,
          confirmedAt: new Date(),
        });
        await factors.added(tx, emit, user, factor);
        const recoveryCodes = hadCodes ? undefined : await factors.issueRecoveryCodes(tx, emit, user);
        const signIn = enroller.enrolment ? await finishEnrolment(tx, emit, caller, enroller, amrOfPasskey(factor)) : undefined;
        return { passkey: factorView(factor), ...(recoveryCodes ? { recoveryCodes } : {}), ...(signIn ? { signIn } : {}) };
      });
    },

    async list(userId: string) {
      return (await queries.passkeysOf(db, userId)).map(factorView);
    },

    /** Passwordless sign-in: options for any discoverable passkey of this relying party. */
    async loginOptions(caller: Caller) {
      const options = await authenticationOptions(db);
      const challengeId = await useCases.run(caller, (tx) => saveChallenge(tx, null, 'PASSKEY_LOGIN', options.challenge));
      return { options, challengeId };
    },

    /**
     * A verified assertion of a known passkey signs its owner in (`amr` hwk or swk, acr aal2) through the sign-in
     * pipeline, as a password does: a temporary password is replaced first.
     */
    async login(caller: Caller, input: { challengeId: string; response: AuthenticationResponseJSON }) {
      const outcome = await useCases.run(caller, async (tx, emit) => {
        const challenge = await queries.consumeChallenge(tx, digest(input.challengeId), 'PASSKEY_LOGIN');
        if (!challenge) throw errors.INVALID_PASSKEY_CHALLENGE();
        const factor = await queries.findPasskey(tx, input.response.id);
        const user = factor ? await kit.users.findById(tx, factor.userId) : undefined;
        const method =
          factor && user && kit.auth.mayHoldSession(user)
            ? await assertion(tx, factor, input.response, String(challenge.data.challenge))
            : undefined;
        if (!method || !user) return { refused: factor?.userId ?? null };
        await emit({ type: 'mfa.verified', entityId: user.id, actorId: user.id, payload: { method: 'webauthn' } });
        return { signedIn: await kit.auth.signIn.complete(tx, user, { via: 'passkey', amr: [method], caller, emit }) };
      });
      if (outcome.signedIn) return outcome.signedIn;
      // The spent challenge stays spent; the refusal is recorded.
      await useCases.run(caller, (_tx, emit) =>
        emit({ type: 'mfa.verification_failed', entityId: outcome.refused, actorId: outcome.refused, payload: { method: 'webauthn' } }),
      );
      throw errors.PASSKEY_NOT_VERIFIED();
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
