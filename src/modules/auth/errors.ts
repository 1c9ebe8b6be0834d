import { defineErrors } from '../../http/errors.js';

export const authErrors = defineErrors({
  INVALID_CREDENTIALS: [401, 'The email, username or password is wrong.'],
  REGISTRATION_CLOSED: [403, 'Self-registration is turned off here: accounts are made by invitation or by an administrator.'],
  INVALID_REFRESH_TOKEN: [401, 'The refresh token is invalid, used or expired.'],
  INVALID_TOKEN: [401, 'The access token is invalid or expired.'],
  SESSION_ENDED: [401, 'This session has ended. Sign in again.'],
  INVALID_API_KEY: [401, 'The API key is invalid, revoked or expired.'],
  // A mailed link is not a credential of the request: a bad one is a 400, never the access token's 401.
  INVALID_LINK: [400, 'The link is invalid, used or expired.'],
  WRONG_CURRENT_PASSWORD: [400, 'The current password is wrong.'],
  INVALID_CHANGE_TOKEN: [400, 'The password change token is invalid, used or expired. Sign in again.'],
  PASSWORD_UNCHANGED: [400, 'The new password must differ from the current one.'],
  SCOPE_NOT_HELD: [403, 'An API key cannot have a permission you do not hold.'],
  IMPERSONATION_REFUSED: [403, 'This account cannot be impersonated.'],
  SESSION_NOT_FOUND: [404, 'Session not found.'],
  API_KEY_NOT_FOUND: [404, 'API key not found.'],
});

/** What the authenticator answers a bad credential with: declared on every route behind a policy. */
export const authenticationErrors = [authErrors.INVALID_TOKEN, authErrors.SESSION_ENDED, authErrors.INVALID_API_KEY];
