import type { Executor } from '../../db/client.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { isoOrNull } from '../../platform/dates.js';
import type { Emit } from '../../platform/use-case.js';
import { assertNotApiKey } from '../access/service.js';
import type { DomainEvent } from '../events.js';
import type { UserRow } from '../users/service.js';
import type { MfaKit } from './deps.js';
import type { EnrolInput, Enroller, Enrollers } from './enroller.js';
import { mfaErrors as errors } from './errors.js';
import * as queries from './queries.js';
import type { RememberedDevices } from './remembered-devices.js';
import type { SignInAnswer } from './schemas.js';
import { newRecoveryCodes, openSecret, sealSecret } from './secrets.js';
import { newTotpSecret, otpauthUri, stepOf } from './totp.js';

// Named in the mail's language from these keys of the mail catalogue.
/**
 * Authenticator apps a person may hold at once: a waiting sign-in's mfaToken carries each one's sealed
 * secret (so the verify reads nothing before the code is known right), which keeps that token short.
 */
export const AUTHENTICATOR_LIMIT = 5;

const kindName = { TOTP: 'authenticator', WEBAUTHN: 'passkey', RECOVERY_CODE: 'recoveryCode' } as const;

export const factorView = (row: queries.FactorRow) => ({
  id: row.id,
  kind: row.type === 'TOTP' ? ('totp' as const) : ('webauthn' as const),
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: isoOrNull(row.lastUsedAt),
});

/** Finishes a sign-in that was stopped for enrolment, now that the person has a factor. */
export type FinishEnrolment = (
  tx: Executor,
  emit: Emit<DomainEvent>,
  caller: Caller,
  enroller: Enroller,
  method: string,
) => Promise<SignInAnswer>;

/** TOTP factors, recovery codes, and what every factor change shares (the mail, the event, the list). */
export function createFactors(kit: MfaKit, enrollers: Enrollers, devices: RememberedDevices, finishEnrolment: FinishEnrolment) {
  const { config, database } = kit.context;
  const { useCases } = kit;
  const db = database.primary;
  const sealingKey = () => config.SIGNING_KEY_SECRET || undefined;

  // An account claimed by the first proof of its mailbox (a reset, an invitation): the factors on it were added by
  // whoever held it unproven. Authenticator apps, passkeys (which sign in alone) and recovery codes go, as an
  // administrator's reset removes them; its remembered browsers and waiting enrolments end with the claim itself.
  useCases.react(['auth.account_claimed'], async (tx, event, { emit }) => {
    if (!event.entityId) return;
    const factors = await queries.deleteAllFactors(tx, event.entityId);
    if (factors > 0)
      await emit({ type: 'mfa.factors_reset', entityId: event.entityId, organizationId: event.organizationId, payload: { factors } });
  });

  /** A new set of recovery codes replaces the old one; the codes are shown this once. */
  async function issueRecoveryCodes(tx: Executor, emit: Emit<DomainEvent>, user: UserRow) {
    const { codes, hashes } = newRecoveryCodes(user.id);
    await queries.replaceRecoveryCodes(tx, user.id, hashes);
    await emit({ type: 'mfa.recovery_codes_generated', entityId: user.id, actorId: user.id, payload: { count: codes.length } });
    return codes;
  }

  /** Every factor added: the event, and a mail to the person (who learns at once if it was not them). */
  async function added(tx: Executor, emit: Emit<DomainEvent>, user: UserRow, factor: queries.FactorRow) {
    await emit({ type: 'mfa.factor_added', entityId: factor.id, actorId: user.id, payload: { kind: factor.type.toLowerCase() } });
    await kit.mail.enqueue(tx, { to: user.email, template: 'mfaFactorAdded', data: { kind: kindName[factor.type] }, userId: user.id });
  }

  /** The TOTP secret a factor holds, unsealed. */
  const totpSecret = (factor: Pick<queries.FactorRow, 'secret'>) => openSecret(factor.secret, sealingKey());

  /** What the enrolment shows of a secret: itself, its otpauth:// URI, and that URI as a QR code. */
  async function totpEnrolment(factorId: string, secret: string, user: UserRow) {
    const uri = otpauthUri(secret, config.WEBAUTHN_RP_NAME, user.email);
    // Loaded at the first enrolment: a node that never enrols anyone need not load it as it starts.
    const { default: QRCode } = await import('qrcode');
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    return { factorId, secret, otpauthUri: uri, qrSvg };
  }

  return {
    issueRecoveryCodes,
    added,
    totpSecret,

    async list(caller: SignedInCaller) {
      const rows = await queries.listFactors(db, caller.principal.userId);
      const kinds = await queries.activeKinds(db, caller.principal.userId);
      return { data: rows.map(factorView), recoveryCodes: kinds.includes('RECOVERY_CODE') };
    },

    /** A new TOTP secret, pending until a code from it is confirmed; an earlier pending one is replaced. */
    async startTotp(caller: Caller, input: EnrolInput) {
      const enroller = await enrollers.enroller(db, caller, input);
      const { user } = enroller;
      const secret = newTotpSecret();
      const factor = await useCases.run(caller, async (tx, emit) => {
        if ((await queries.confirmedTotpCount(tx, user.id)) >= AUTHENTICATOR_LIMIT) throw errors.AUTHENTICATOR_LIMIT_REACHED();
        await queries.deletePendingTotp(tx, user.id);
        const row = await queries.insertFactor(tx, { userId: user.id, type: 'TOTP', secret: sealSecret(secret, sealingKey()) });
        await emit({ type: 'mfa.enrolment_started', entityId: user.id, actorId: user.id, payload: { kind: 'totp' } });
        return row;
      });
      return totpEnrolment(factor.id, secret, user);
    },

    /**
     * A pending TOTP secret shown again, after a wrong code at its confirmation: the app already holds it. Shown
     * only to whom startTotp would show a new one (the enrolment token, or a fresh sign-in), so a session past
     * its step-up, which may still confirm a code, cannot read the secret.
     */
    async pendingTotp(caller: Caller, factorId: string, input: EnrolInput) {
      const { user } = await enrollers.enroller(db, caller, input);
      const factor = await queries.findFactor(db, user.id, factorId);
      if (factor?.type !== 'TOTP' || factor.confirmedAt) throw errors.FACTOR_NOT_FOUND();
      return totpEnrolment(factor.id, totpSecret(factor), user);
    },

    /**
     * A code from the new secret activates it; the first factor also brings the recovery codes (shown once).
     * With an enrolment token, the sign-in it stopped then finishes.
     */
    async confirmTotp(caller: Caller, factorId: string, input: EnrolInput & { code: string; name?: string }) {
      const enroller = await enrollers.enroller(db, caller, { enrollmentToken: input.enrollmentToken }, false);
      const { user } = enroller;
      return useCases.run(caller, async (tx, emit) => {
        const factor = await queries.findFactor(tx, user.id, factorId);
        if (factor?.type !== 'TOTP') throw errors.FACTOR_NOT_FOUND();
        if (factor.confirmedAt) throw errors.FACTOR_ALREADY_CONFIRMED();
        const step = stepOf(totpSecret(factor), input.code);
        if (step === undefined) throw errors.INVALID_MFA_CODE();
        const confirmed = await queries.confirmFactor(tx, factor.id, step);
        if (!confirmed) throw errors.FACTOR_ALREADY_CONFIRMED();
        if (input.name) await queries.renameFactor(tx, user.id, factor.id, input.name);
        await added(tx, emit, user, confirmed);
        const recoveryCodes = await issueRecoveryCodes(tx, emit, user);
        const signIn = enroller.enrolment ? await finishEnrolment(tx, emit, caller, enroller, 'otp') : undefined;
        return { recoveryCodes, ...(signIn ? { signIn } : {}) };
      });
    },

    async regenerateRecoveryCodes(caller: SignedInCaller, input: EnrolInput) {
      const { user } = await enrollers.enroller(db, caller, { password: input.password });
      return useCases.run(caller, async (tx, emit) => {
        const kinds = await queries.activeKinds(tx, user.id);
        if (!kinds.some((kind) => kind !== 'RECOVERY_CODE'))
          throw errors.METHOD_NOT_AVAILABLE('Add an authenticator app or a passkey first.');
        return { recoveryCodes: await issueRecoveryCodes(tx, emit, user) };
      });
    },

    async rename(caller: SignedInCaller, factorId: string, name: string) {
      // A factor is a credential: changed in a signed-in session of its person only (their mail names it).
      assertNotApiKey(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const row = await queries.renameFactor(tx, caller.principal.userId, factorId, name);
        if (!row?.confirmedAt) throw errors.FACTOR_NOT_FOUND();
        await emit({ type: 'mfa.factor_renamed', entityId: row.id });
        return factorView(row);
      });
    },

    /** Step-up is the route's (its guard); the person is mailed; remembered devices go; the last factor takes the recovery codes with it. */
    async remove(caller: SignedInCaller, factorId: string) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const row = await queries.deleteFactor(tx, caller.principal.userId, factorId);
        if (!row) throw errors.FACTOR_NOT_FOUND();
        const lastOne = await queries.dropOrphanRecoveryCodes(tx, row.userId);
        if (!row.confirmedAt) return;
        // A browser was remembered on the strength of a factor, which one is not kept: a factor removed (lost, or
        // taken) takes every remembered browser with it, and none may stand in for a factor once none is left.
        await devices.forgetAll(tx, emit, row.userId, lastOne ? 'last_factor_removed' : 'factor_removed');
        await emit({ type: 'mfa.factor_removed', entityId: row.id, payload: { kind: row.type.toLowerCase() } });
        const user = await kit.users.findById(tx, row.userId);
        if (user)
          await kit.mail.enqueue(tx, { to: user.email, template: 'mfaFactorRemoved', data: { kind: kindName[row.type] }, userId: user.id });
      });
    },

    /** An administrator (users:write, step-up) removes every factor of a person, who is mailed. */
    async reset(caller: SignedInCaller, userId: string) {
      assertNotApiKey(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const user = await kit.users.actionableUser(tx, caller.principal, userId);
        const factors = await queries.deleteAllFactors(tx, user.id);
        await emit({ type: 'mfa.factors_reset', entityId: user.id, organizationId: user.organizationId, payload: { factors } });
        await kit.mail.enqueue(tx, { to: user.email, template: 'mfaFactorsReset', data: {}, userId: user.id });
      });
    },

    /** The kinds of factor a person has, and each factor's kind and dates (never a secret): the user detail's `include=mfa`. */
    async kindsOf(executor: Executor, userId: string) {
      const kinds = await queries.activeKinds(executor, userId);
      const rows = await queries.listFactors(executor, userId);
      return {
        enabled: kinds.some((kind) => kind !== 'RECOVERY_CODE'),
        kinds: kinds.map((kind) => kind.toLowerCase()).sort(),
        factors: rows.map(factorView).map(({ kind, createdAt, lastUsedAt }) => ({ kind, createdAt, lastUsedAt })),
      };
    },
  };
}

export type Factors = ReturnType<typeof createFactors>;
