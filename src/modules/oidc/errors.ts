import { defineErrors } from '../../http/errors.js';

export const oidcErrors = defineErrors({
  APPLICATION_NOT_FOUND: [404, 'Application not found.'],
  // Single-page and native applications cannot keep a secret: they use PKCE alone.
  APPLICATION_HAS_NO_SECRET: [409, 'This kind of application has no client secret.'],
  INVALID_REDIRECT_URI: [422, 'A redirect URI is not acceptable for this kind of application.'],
  UNKNOWN_SCOPE: [422, 'A scope is neither an OpenID Connect scope nor a Tessera permission.'],
  APPLICATION_SCOPE_NOT_HELD: [403, 'A service application cannot have a permission you do not hold.'],
  GRANT_NOT_FOUND: [404, 'Connected app not found.'],
  INTERACTION_NOT_FOUND: [404, 'This sign-in request has expired or was already finished. Start again from the application.'],
});
