import { Type } from '@sinclair/typebox';
import { internalEvent, payload } from '../../platform/events.js';

const Kind = payload({ kind: Type.String() });

/**
 * Second factors and step-up. Internal: credentials and sign-ins stay in the audit trail. None carries a
 * secret: a factor is named by its id and kind, a code never appears.
 */
export const mfaEvents = {
  'mfa.enrolment_started': internalEvent('user', 1, Kind),
  'mfa.factor_added': internalEvent('mfa_factor', 1, Kind),
  'mfa.factor_removed': internalEvent('mfa_factor', 1, Kind),
  'mfa.factor_renamed': internalEvent('mfa_factor', 1),
  'mfa.recovery_codes_generated': internalEvent('user', 1, payload({ count: Type.Integer({ minimum: 0 }) })),
  'mfa.recovery_code_used': internalEvent('user', 1, payload({ remaining: Type.Integer({ minimum: 0 }) })),
  // Version 2 has no payload: it is recorded in the statement that reads the person's factors, before they are known.
  'mfa.second_factor_required': internalEvent('user', 2),
  'mfa.enrolment_required': internalEvent('user', 1, payload({ policy: Type.String() })),
  'mfa.verified': internalEvent('user', 1, payload({ method: Type.String() })),
  'mfa.verification_failed': internalEvent('user', 1, payload({ method: Type.String() })),
  'mfa.step_up_refused': internalEvent('user', 1, payload({ reason: Type.String() })),
  // "Remember this device": a browser remembered after a factor, a sign-in it spared the second step, and
  // remembered browsers forgotten (by the person, or by what ends them: a password change, sign-out everywhere …).
  'mfa.device_remembered': internalEvent('user', 1, payload({ deviceId: Type.String(), expiresAt: Type.String() })),
  'mfa.remembered_device_used': internalEvent('user', 1, payload({ deviceId: Type.String() })),
  'mfa.device_forgotten': internalEvent('user', 1, payload({ devices: Type.Integer({ minimum: 0 }), reason: Type.String() })),
  'mfa.factors_reset': internalEvent('user', 1, payload({ factors: Type.Integer({ minimum: 0 }) })),
} as const;
