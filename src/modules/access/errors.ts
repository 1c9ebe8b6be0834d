import { defineErrors } from '../../http/errors.js';

export const accessErrors = defineErrors({
  ROLE_NOT_FOUND: [404, 'Role not found.'],
  PERMISSION_NOT_FOUND: [404, 'Permission not found.'],
  USER_TYPE_NOT_FOUND: [404, 'User type not found.'],
  UNKNOWN_ROLE: [400, 'A role named here does not exist.'],
  UNKNOWN_PERMISSION: [400, 'A permission named here does not exist.'],
  ROLE_NOT_HELD: [400, 'The user does not hold this role.'],
  PERMISSION_NOT_HELD: [400, 'The user has no direct grant of this permission.'],
  INVALID_EXPIRY: [400, 'expiresAt must be in the future.'],
  GRANT_EXCEEDS_OWN_ACCESS: [403, 'You cannot grant what you do not hold.'],
  ACCOUNT_HOLDS_MORE_ACCESS: [403, 'This account holds access you do not hold: you cannot act on it.'],
  API_KEY_NOT_ALLOWED: [
    403,
    'Credentials (email, password, factors, linked identities, API keys, sessions) are not changed with an API key: sign in.',
  ],
  IMPERSONATION_NOT_ALLOWED: [
    403,
    'Credentials and identifiers (email, username, phone, password, factors, linked identities, API keys, sessions) are not changed, nor an organization left or the account deleted, while impersonating.',
  ],
  SHARED_ROLE: [403, 'Roles every organization shares are changed only by holders of tenants:all.'],
  SHARED_CATALOG: [
    403,
    'Permissions, user types and subscription plans every organization shares are changed only by holders of tenants:all.',
  ],
  SYSTEM_ROLE: [409, 'System roles cannot be changed this way.'],
  BUILT_IN_PERMISSION: [409, 'Built-in permissions cannot be deleted.'],
  LAST_SUPER_ADMIN: [409, 'This is the last active super-admin; make another one first.'],
  NO_SUPER_ADMIN_ROLE: [409, 'No super-admin role exists: run `tessera seed --preset basic` first.'],
});
