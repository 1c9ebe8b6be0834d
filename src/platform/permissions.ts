/**
 * Every permission Tessera checks, as `resource:action`. Routes name them through
 * `requirePermission`, so a typo is a type error, not an open door.
 */
export const permissionCatalog = {
  'users:read': 'List and read users',
  'users:write': 'Create and edit users',
  'users:delete': 'Deactivate and erase users',
  'users:suspend': 'Suspend and reactivate users',
  'users:export': "Export a user's whole record",
  'roles:read': 'List roles and permissions',
  'roles:manage': 'Create, edit and delete roles; grant and revoke roles and permissions',
  'user-types:manage': 'Create, edit and delete user types',
  'organizations:read': 'List and read organizations',
  'organizations:manage': 'Create, edit and delete organizations',
  'invitations:manage': 'Invite users to an organization',
  'subscriptions:read': "Read users' subscriptions",
  'subscriptions:manage': "Change users' subscriptions",
  'sessions:manage': "List and end other users' sessions",
  'audit:read': 'Read the audit log',
  'identity-providers:manage': 'Configure the identity providers people sign in with (social and enterprise sign-in)',
  'learning:read': "Read users' learning records",
  'learning:manage': "Edit users' learning records and verify skills",
  'tenants:all': 'Act across every organization, not only your own',
  'events:manage': 'Organize events (events preset)',
  'webhooks:manage':
    "Subscribe endpoints to Tessera's events (an organization's own only, without tenants:all); read and retry their deliveries",
  'applications:manage': 'Register and manage the applications people sign in to with Tessera (OpenID Connect clients)',
  'users:impersonate': 'Act as another user for support, with a short audited token (never a super-admin, nor anyone holding more)',
  'statistics:read': "Read the administrators' overview figures (users, sign-ins, invitations)",
} as const;

export type Permission = keyof typeof permissionCatalog;
export const allPermissions = Object.keys(permissionCatalog) as Permission[];

export const isPermission = (name: string): name is Permission => name in permissionCatalog;
