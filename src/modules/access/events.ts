import { event } from '../../platform/events.js';

type Changes<T> = { before: Partial<T>; after: Partial<T> };
type RoleState = { name: string; description: string | null; isDefault: boolean };
type Described = { name: string; description: string | null };

/** Roles, permissions and user types (the catalog), and grants of them to users. */
export const accessEvents = {
  'role.created': event<{ name: string; permissions: string[] }>('role'),
  'role.updated': event<Changes<RoleState>>('role'),
  'role.permissions_set': event<{ before: string[]; after: string[] }>('role'),
  'role.deleted': event<{ name: string }>('role'),
  'permission.created': event<{ name: string }>('permission'),
  'permission.updated': event<Changes<{ description: string | null }>>('permission'),
  'permission.deleted': event<{ name: string }>('permission'),
  'user_type.created': event<Described>('user_type'),
  'user_type.updated': event<Changes<Described>>('user_type'),
  'user_type.deleted': event('user_type'),
  'user.roles_granted': event<{ roles: string[] }>('user'),
  'user.role_revoked': event<{ role: string }>('user'),
  'user.permissions_granted': event<{ permissions: string[]; expiresAt: string | null }>('user'),
  'user.permission_revoked': event<{ permission: string }>('user'),
} as const;

/** Grants to one user: that user's cached access profile is dropped on every node after commit. */
export const userGrantEvents = ['user.roles_granted', 'user.role_revoked', 'user.permissions_granted', 'user.permission_revoked'] as const;
/** Catalog edits that may touch any number of users: every cached profile is dropped. */
export const catalogAccessEvents = ['role.permissions_set', 'role.deleted', 'permission.deleted'] as const;
