import { boolean, index, pgTable, primaryKey, text, unique, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, ownedBy, tstz, updatedAt } from './common.js';
import { organizations } from './organizations.js';
import { users } from './users.js';

/**
 * The organization a grant holds in: NULL for a platform-wide grant (a super-admin role, tenants:all),
 * otherwise the organization it was granted within, where alone it counts.
 */
const grantScope = () => uuid('organization_id').references(() => organizations.id, { onDelete: 'cascade' });

export const roles = pgTable('roles', {
  id: id(),
  name: varchar('name', { length: 100 }).notNull().unique('roles_name_unique'),
  description: text('description'),
  // System roles come from a preset and cannot be deleted.
  isSystem: boolean('is_system').notNull().default(false),
  // The role new sign-ups receive.
  isDefault: boolean('is_default').notNull().default(false),
  // Holds every permission, present and future, across all organizations.
  isSuperAdmin: boolean('is_super_admin').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const permissions = pgTable('permissions', {
  id: id(),
  name: varchar('name', { length: 100 }).notNull().unique('permissions_name_unique'),
  description: text('description'),
  createdAt: createdAt(),
});

export const rolePermissions = pgTable(
  'role_permissions',
  {
    roleId: ownedBy('role_id', () => roles.id),
    permissionId: ownedBy('permission_id', () => permissions.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permissionId] }), index('role_permissions_permission_idx').on(t.permissionId)],
);

export const userRoles = pgTable(
  'user_roles',
  {
    userId: ownedBy('user_id', () => users.id),
    roleId: ownedBy('role_id', () => roles.id),
    organizationId: grantScope(),
    grantedBy: uuid('granted_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [
    unique('user_roles_scope_unique').on(t.userId, t.roleId, t.organizationId).nullsNotDistinct(),
    index('user_roles_role_user_idx').on(t.roleId, t.userId),
  ],
);

export const userPermissions = pgTable(
  'user_permissions',
  {
    userId: ownedBy('user_id', () => users.id),
    permissionId: ownedBy('permission_id', () => permissions.id),
    organizationId: grantScope(),
    grantedBy: uuid('granted_by').references(() => users.id, { onDelete: 'set null' }),
    // Direct grants may be temporary; an expired grant no longer counts.
    expiresAt: tstz('expires_at'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('user_permissions_scope_unique').on(t.userId, t.permissionId, t.organizationId).nullsNotDistinct(),
    index('user_permissions_permission_idx').on(t.permissionId),
  ],
);
