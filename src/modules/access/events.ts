import { Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { changes, payload, publicEvent } from '../../platform/events.js';

const Names = Type.Array(Type.String());
const RoleState = payload({ name: Type.String(), description: Nullable(Type.String()), isDefault: Type.Boolean() });
const Described = payload({ name: Type.String(), description: Nullable(Type.String()) });
const Named = payload({ name: Type.String() });

/**
 * Roles, permissions and user types (the catalog), and grants of them to users: all public, a consumer
 * mirrors who may do what. Deleting a user type names nothing but its id.
 */
export const accessEvents = {
  'role.created': publicEvent('role', 1, payload({ name: Type.String(), permissions: Names })),
  'role.updated': publicEvent('role', 1, changes(RoleState)),
  'role.permissions_set': publicEvent('role', 1, payload({ before: Names, after: Names })),
  'role.deleted': publicEvent('role', 1, Named),
  'permission.created': publicEvent('permission', 1, Named),
  'permission.updated': publicEvent('permission', 1, changes(payload({ description: Nullable(Type.String()) }))),
  'permission.deleted': publicEvent('permission', 1, Named),
  'user_type.created': publicEvent('user_type', 1, Described),
  'user_type.updated': publicEvent('user_type', 1, changes(Described)),
  'user_type.deleted': publicEvent('user_type', 1),
  'user.roles_granted': publicEvent('user', 1, payload({ roles: Names })),
  'user.role_revoked': publicEvent('user', 1, payload({ role: Type.String() })),
  'user.permissions_granted': publicEvent('user', 1, payload({ permissions: Names, expiresAt: Nullable(Type.String()) })),
  'user.permission_revoked': publicEvent('user', 1, payload({ permission: Type.String() })),
} as const;

/** Grants to one user: that user's cached access profile is dropped on every node after commit. */
export const userGrantEvents = ['user.roles_granted', 'user.role_revoked', 'user.permissions_granted', 'user.permission_revoked'] as const;
/** Catalog edits that may touch any number of users: every cached profile is dropped. */
export const catalogAccessEvents = ['role.permissions_set', 'role.deleted', 'permission.deleted'] as const;
