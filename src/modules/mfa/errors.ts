import { defineErrors } from '../../http/errors.js';

export const mfaErrors = defineErrors({
  INVALID_MFA_TOKEN: [401, 'The sign-in is no longer waiting for a second factor (used, expired or unknown). Sign in again.'],
  INVALID_MFA_CODE: [401, 'The code is wrong or was already used.'],
  INVALID_ENROLLMENT_TOKEN: [401, 'The enrolment token is invalid, used or expired. Sign in again.'],
  WRONG_PASSWORD: [400, 'The password is wrong.'],
  MFA_DISABLED: [400, 'Second factors are turned off for your account.'],
  FACTOR_ALREADY_CONFIRMED: [409, 'This factor is already active.'],
  FACTOR_NOT_FOUND: [404, 'Factor not found.'],
  AUTHENTICATOR_LIMIT_REACHED: [409, 'You have the most authenticator apps a person may have: remove one before adding another.'],
  METHOD_NOT_AVAILABLE: [400, 'This method is not one of your second factors.'],
  INVALID_PASSKEY_CHALLENGE: [400, 'The passkey challenge is invalid, used or expired. Start again.'],
  REMEMBERED_DEVICE_NOT_FOUND: [404, 'Remembered device not found.'],
  PASSKEY_NOT_VERIFIED: [401, 'The passkey could not be verified.'],
});
