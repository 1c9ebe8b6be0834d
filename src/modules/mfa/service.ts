import type { AppContext } from '../../context.js';
import type { SignedInCaller } from '../../platform/caller.js';
import type { ExportPart } from '../../platform/export-scope.js';
import type { MfaDeps } from './deps.js';
import { createEnroller } from './enroller.js';
import { createFactors, type FinishEnrolment, factorView } from './factors.js';
import { createPasskeys } from './passkeys.js';
import { listRememberedDevices } from './queries.devices.js';
import * as queries from './queries.js';
import { createRememberedDevices, rememberedDeviceView } from './remembered-devices.js';
import { createSecondStep } from './second-step.js';

/**
 * Strong authentication ("prove it twice"): TOTP factors with recovery codes, passkeys, the second step of
 * every sign-in, MFA policies and step-up. Wired right after auth, whose sign-in pipeline it adds a step to.
 */
export function createMfaService(context: AppContext, deps: MfaDeps) {
  const kit = { ...deps, context };
  const enrollers = createEnroller(kit);
  // Adding the first factor finishes a sign-in stopped for enrolment: the second step knows how.
  let finish: FinishEnrolment | undefined;
  const finishEnrolment: FinishEnrolment = (...args) => (finish as FinishEnrolment)(...args);
  const devices = createRememberedDevices(kit);
  const factors = createFactors(kit, enrollers, devices, finishEnrolment);
  const passkeys = createPasskeys(kit, enrollers, factors, finishEnrolment);
  const secondStep = createSecondStep(kit, factors, passkeys, devices);
  finish = secondStep.finishEnrolment;
  // Users' detail shows the kinds of factor a person has; users is wired first, so it asks through this port.
  deps.users.registerMfaLookup(factors.kindsOf);
  // An email change without the current password asks the same step-up as every other sensitive change; one with
  // it (or an account's deletion) counts each try as a sign-in's: a session is no licence to guess its password.
  deps.users.registerStepUp(async (caller, user, currentPassword) => {
    if (currentPassword === undefined)
      return (await enrollers.stepUpVerdict(context.database.primary, caller)) === 'ok' ? 'ok' : 'required';
    await deps.auth.admitAttempt(caller, { identifier: user.email, userId: user.id });
    if (!(await deps.auth.verifyPassword(user, currentPassword))) return 'wrong';
    await deps.auth.clearFailures(caller, { identifier: user.email, userId: user.id });
    return 'ok';
  });

  return {
    factors,
    passkeys,
    devices,
    verify: secondStep.verify,
    webauthnOptions: secondStep.webauthnOptions,
    methodsFor: secondStep.methodsFor,
    stepUp: secondStep.stepUp,
    /** The route guard's step-up (RFC 9470) for routes that change credentials or grant power. */
    requireStepUp: (caller: SignedInCaller) => enrollers.requireStepUp(context.database.primary, caller),
    /** Step-up's verdict without its refusal: 'weak' for a sign-in without the second factor of a person who has one. */
    stepUpVerdict: (caller: SignedInCaller) => enrollers.stepUpVerdict(context.database.primary, caller),
    /** What mfa holds about a person, for their GDPR export: each factor's kind, name and dates, never a secret or a token's hash. */
    exportParts: {
      mfaFactors: async (executor, userId) => (await queries.listFactors(executor, userId)).map(factorView),
      rememberedDevices: async (executor, userId) => (await listRememberedDevices(executor, userId)).map(rememberedDeviceView),
    } satisfies Record<string, ExportPart>,
    async deleteExpired() {
      await queries.deleteExpiredChallenges(context.database.primary);
      await devices.deleteExpired();
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
