import { defineErrors } from '../../http/errors.js';

export const userErrors = defineErrors({
  USER_NOT_FOUND: [404, 'User not found.'],
  AVATAR_NOT_FOUND: [404, 'Avatar not found.'],
  FILE_REQUIRED: [400, 'Send the image as multipart field "file".'],
  ONE_FILE_ONLY: [400, 'Send one image only, as multipart field "file".'],
  ORGANIZATION_NOT_ALLOWED: [403, 'You can only place users in your own organization.'],
  REAUTHENTICATION_REQUIRED: [403, 'This change needs your current password, or a sign-in within the last few minutes.'],
  CANNOT_TARGET_SELF: [409, 'You cannot do this to your own account.'],
  USER_STATUS_CONFLICT: [409, 'The user is not in a status this change starts from.'],
  CURRENT_PASSWORD_WRONG: [403, 'The current password is not right.'],
  EMAIL_NOT_VERIFIED: [
    403,
    'Confirm your email address first (the link mailed to it): second factors, passkeys, API keys and linked identities are added only to an account whose address is proven.',
  ],
  UNSUPPORTED_IMAGE: [415, 'The file is not an image Tessera accepts.'],
});
