import { type AnyColumn, and, eq, gt, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { permissions, rolePermissions, roles, userPermissions, userRoles, users, userTypes } from '../../db/schema/index.js';

/** Only one role may be the default for new sign-ups: the preset applied last wins. */
export async function clearDefaultRoleExcept(db: Executor, roleName: string) {
  await db.update(roles).set({ isDefault: false }).where(sql`${roles.isDefault} AND ${roles.name} <> ${roleName}`);
}

export async function findSuperAdminRole(db: Executor) {
  const [row] = await db.select().from(roles).where(eq(roles.isSuperAdmin, true)).orderBy(roles.createdAt).limit(1);
  return row;
}

export async function findDefaultRole(db: Executor) {
  const [row] = await db.select().from(roles).where(eq(roles.isDefault, true)).limit(1);
  return row;
}

/** True when the user did not hold the role yet: a grant already held changes nothing. */
export async function grantRole(db: Executor, userId: string, roleId: string, grantedBy?: string) {
  const inserted = await db
    .insert(userRoles)
    .values({ userId, roleId, grantedBy })
    .onConflictDoNothing()
    .returning({ roleId: userRoles.roleId });
  return inserted.length > 0;
}

export async function findRolesByNameOrId(db: Executor, refs: string[]) {
  const ids = refs.filter((ref) => /^[0-9a-f-]{36}$/i.test(ref));
  return db
    .select()
    .from(roles)
    .where(or(inArray(roles.name, refs), ids.length > 0 ? inArray(roles.id, ids) : undefined));
}

export async function findPermissionsByNameOrId(db: Executor, refs: string[]) {
  const ids = refs.filter((ref) => /^[0-9a-f-]{36}$/i.test(ref));
  return db
    .select()
    .from(permissions)
    .where(or(inArray(permissions.name, refs), ids.length > 0 ? inArray(permissions.id, ids) : undefined));
}

export async function permissionNamesOfRoles(db: Executor, roleIds: string[]) {
  if (roleIds.length === 0) return [];
  return db
    .select({ roleId: rolePermissions.roleId, name: permissions.name })
    .from(rolePermissions)
    .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(inArray(rolePermissions.roleId, roleIds));
}

export async function revokeRole(db: Executor, userId: string, roleId: string) {
  const rows = await db
    .delete(userRoles)
    .where(and(eq(userRoles.userId, userId), eq(userRoles.roleId, roleId)))
    .returning({ roleId: userRoles.roleId });
  return rows.length > 0;
}

/** True when the grant is new or its expiry changed: the same grant again changes nothing. */
export async function grantPermission(
  db: Executor,
  userId: string,
  permissionId: string,
  expiresAt: Date | null,
  grantedBy: string | null,
) {
  const changed = await db
    .insert(userPermissions)
    .values({ userId, permissionId, expiresAt, grantedBy })
    .onConflictDoUpdate({
      target: [userPermissions.userId, userPermissions.permissionId],
      set: { expiresAt, grantedBy },
      setWhere: sql`${userPermissions.expiresAt} IS DISTINCT FROM excluded.expires_at`,
    })
    .returning({ permissionId: userPermissions.permissionId });
  return changed.length > 0;
}

export async function revokePermission(db: Executor, userId: string, permissionId: string) {
  const rows = await db
    .delete(userPermissions)
    .where(and(eq(userPermissions.userId, userId), eq(userPermissions.permissionId, permissionId)))
    .returning({ permissionId: userPermissions.permissionId });
  return rows.length > 0;
}

/** Active users holding a super-admin role, other than `exceptUserId`. */
export async function countOtherActiveSuperAdmins(db: Executor, exceptUserId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(DISTINCT ${users.id})::int` })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .innerJoin(users, eq(users.id, userRoles.userId))
    .where(and(eq(roles.isSuperAdmin, true), eq(users.status, 'ACTIVE'), ne(users.id, exceptUserId)));
  return row?.count ?? 0;
}

export async function holdsSuperAdminRole(db: Executor, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(and(eq(userRoles.userId, userId), eq(roles.isSuperAdmin, true)));
  return (row?.count ?? 0) > 0;
}

export async function listRoles(db: Executor) {
  return db.select().from(roles).orderBy(roles.name);
}

export async function findRole(db: Executor, id: string) {
  const [row] = await db.select().from(roles).where(eq(roles.id, id));
  return row;
}

export async function insertRole(db: Executor, values: typeof roles.$inferInsert) {
  const [row] = await db.insert(roles).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateRole(db: Executor, id: string, values: Partial<typeof roles.$inferInsert>) {
  const [row] = await db.update(roles).set(values).where(eq(roles.id, id)).returning();
  return row;
}

/** True when the row was there to delete. */
export async function deleteRole(db: Executor, id: string) {
  const deleted = await db.delete(roles).where(eq(roles.id, id)).returning({ id: roles.id });
  return deleted.length > 0;
}

export async function replaceRolePermissions(db: Executor, roleId: string, permissionIds: string[]) {
  await db.delete(rolePermissions).where(eq(rolePermissions.roleId, roleId));
  if (permissionIds.length > 0) await db.insert(rolePermissions).values(permissionIds.map((permissionId) => ({ roleId, permissionId })));
}

export async function listPermissions(db: Executor) {
  return db.select().from(permissions).orderBy(permissions.name);
}

export async function findPermission(db: Executor, id: string) {
  const [row] = await db.select().from(permissions).where(eq(permissions.id, id));
  return row;
}

export async function insertPermission(db: Executor, values: typeof permissions.$inferInsert) {
  const [row] = await db.insert(permissions).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updatePermission(db: Executor, id: string, values: { description?: string | null }) {
  const [row] = await db.update(permissions).set(values).where(eq(permissions.id, id)).returning();
  return row;
}

/** True when the row was there to delete. */
export async function deletePermission(db: Executor, id: string) {
  const deleted = await db.delete(permissions).where(eq(permissions.id, id)).returning({ id: permissions.id });
  return deleted.length > 0;
}

export async function listUserTypes(db: Executor) {
  return db.select().from(userTypes).orderBy(userTypes.name);
}

export async function findUserType(db: Executor, id: string) {
  const [row] = await db.select().from(userTypes).where(eq(userTypes.id, id));
  return row;
}

export async function insertUserType(db: Executor, values: typeof userTypes.$inferInsert) {
  const [row] = await db.insert(userTypes).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateUserType(db: Executor, id: string, values: Partial<typeof userTypes.$inferInsert>) {
  const [row] = await db.update(userTypes).set(values).where(eq(userTypes.id, id)).returning();
  return row;
}

/** True when the row was there to delete. */
export async function deleteUserType(db: Executor, id: string) {
  const deleted = await db.delete(userTypes).where(eq(userTypes.id, id)).returning({ id: userTypes.id });
  return deleted.length > 0;
}

export async function findRoleIdByName(db: Executor, name: string): Promise<string | undefined> {
  const [row] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, name));
  return row?.id;
}

/**
 * For another module's query of users: the user whose id is `userId` holds the role. By role id, not
 * name: the planner knows how common each role_id is, and walks the users index for a common role
 * instead of building the whole semi-join first.
 */
export const holdsRole = (roleId: string) => (userId: AnyColumn) =>
  sql`EXISTS (SELECT 1 FROM ${userRoles} ur WHERE ur.user_id = ${userId} AND ur.role_id = ${roleId})`;

export async function rolesOf(db: Executor, userId: string) {
  return db
    .select({ id: roles.id, name: roles.name })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId))
    .orderBy(roles.name);
}

/** Direct grants still in force, with their expiry. */
export async function directPermissionsOf(db: Executor, userId: string) {
  return db
    .select({ id: permissions.id, name: permissions.name, expiresAt: userPermissions.expiresAt })
    .from(userPermissions)
    .innerJoin(permissions, eq(permissions.id, userPermissions.permissionId))
    .where(and(eq(userPermissions.userId, userId), or(isNull(userPermissions.expiresAt), gt(userPermissions.expiresAt, new Date()))))
    .orderBy(permissions.name);
}

export async function rolePermissionsOf(db: Executor, userId: string) {
  return db
    .select({ permission: permissions.name, role: roles.name, superAdmin: roles.isSuperAdmin })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .leftJoin(rolePermissions, eq(rolePermissions.roleId, roles.id))
    .leftJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(eq(userRoles.userId, userId));
}

/** The overview's users per role (roles nobody holds included), within an organization when given. */
export async function usersByRole(db: Executor, organizationId: string | undefined) {
  return db
    .select({ role: roles.name, users: sql<number>`count(${users.id})::int` })
    .from(roles)
    .leftJoin(userRoles, eq(userRoles.roleId, roles.id))
    .leftJoin(
      users,
      and(eq(users.id, userRoles.userId), isNull(users.deletedAt), organizationId ? eq(users.organizationId, organizationId) : undefined),
    )
    .groupBy(roles.name)
    .orderBy(sql`count(${users.id}) DESC`, roles.name);
}
