import { defineErrors } from '../../http/errors.js';

/**
 * Social sign-in's codes. Those a callback meets after its state was found reach the app as
 * `redirect_uri?error=CODE`, never as a page of ours; the others are problem+json answers.
 */
export const federationErrors = defineErrors({
  IDENTITY_PROVIDER_NOT_FOUND: [404, 'Identity provider not found.'],
  IDENTITY_PROVIDER_FROM_ENVIRONMENT: [409, 'This identity provider is configured by environment variables: change it there.'],
  IDENTITY_PROVIDERS_SHARED: [
    403,
    'Identity providers serve every organization: an administrator confined to one cannot change or test them.',
  ],
  CLIENT_SECRET_ENCRYPTION_REQUIRED: [409, 'Client secrets are stored encrypted: set SIGNING_KEY_SECRET first.'],
  IDENTITY_PROVIDER_UNAVAILABLE: [503, 'The identity provider cannot be reached. Try again later.'],
  REDIRECT_URI_NOT_ALLOWED: [400, 'This redirect_uri is not on OAUTH_REDIRECT_ALLOWLIST.'],
  OAUTH_STATE_INVALID: [400, 'This sign-in is unknown, already finished or expired. Start again.'],
  OAUTH_CODE_INVALID: [400, 'The code is invalid, used or expired, or the code verifier does not match it.'],
  IDENTITY_PROVIDER_DENIED: [401, 'The identity provider did not sign the person in.'],
  IDENTITY_PROVIDER_RESPONSE_INVALID: [401, "The identity provider's answer could not be verified."],
  ACCOUNT_EXISTS_LINK_REQUIRED: [409, 'An account with this email exists. Sign in to it and link this provider from there.'],
  IDENTITY_ALREADY_LINKED: [409, 'This identity is linked to another account.'],
  SIGN_UP_DISABLED: [403, 'New accounts cannot be created through this provider.'],
  EMAIL_DOMAIN_NOT_ALLOWED: [403, 'This provider accepts only verified addresses of certain domains.'],
  PROVIDER_EMAIL_MISSING: [400, 'The provider gave no email address, which a new account needs.'],
  IDENTITY_PROVIDER_TEST_NOT_FOUND: [404, 'No finished test sign-in of yours has this id; a result is kept for ten minutes.'],
  IDENTITY_NOT_FOUND: [404, 'Linked identity not found.'],
  LAST_SIGN_IN_METHOD: [409, 'This is the last way to sign in to the account: set a password or link another provider first.'],
});
