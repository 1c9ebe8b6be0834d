import { type AnyColumn, and, eq, gt, type InferSelectModel, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { insertMany } from '../../db/bulk.js';
import { type Executor, queryRows } from '../../db/client.js';
import { rowsById } from '../../db/rows.js';
import { permissions, rolePermissions, roles, userPermissions, userRoles, userTypes } from '../../db/schema/index.js';

/** A condition on a user's id that the users module writes over its own tables (access never reads them). */
export type UserCondition = (userId: AnyColumn) => SQL;

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

/**
 * Grants seen in a scope: platform-wide ones and those of the organization; every grant for EVERYWHERE ('*');
 * only platform-wide ones for null.
 */
export const inScope = (column: AnyColumn, scope: string | null) =>
  scope === '*' ? undefined : scope ? or(isNull(column), eq(column, scope)) : isNull(column);

/** Platform roles (a super-admin role, or one carrying tenants:all) are granted platform-wide, never within one organization. */
export async function platformRoleIds(db: Executor, roleIds: string[]): Promise<Set<string>> {
  if (roleIds.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ id: roles.id })
    .from(roles)
    .leftJoin(rolePermissions, eq(rolePermissions.roleId, roles.id))
    .leftJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(and(inArray(roles.id, roleIds), or(eq(roles.isSuperAdmin, true), eq(permissions.name, 'tenants:all'))));
  return new Set(rows.map((row) => row.id));
}

/** True when the user did not hold the role yet (in that scope): a grant already held changes nothing. */
export async function grantRole(db: Executor, userId: string, roleId: string, grantedBy?: string, organizationId: string | null = null) {
  const inserted = await db
    .insert(userRoles)
    .values({ userId, roleId, grantedBy, organizationId })
    .onConflictDoNothing()
    .returning({ roleId: userRoles.roleId });
  return inserted.length > 0;
}

/** The rows of a catalogue table that `refs` name, each ref a name or an id (a request or an import may give either). */
function byNameOrId<Table extends typeof roles | typeof permissions>(table: Table) {
  return (db: Executor, refs: string[]) => {
    const ids = refs.filter((ref) => /^[0-9a-f-]{36}$/i.test(ref));
    const named = or(inArray(table.name, refs), ids.length > 0 ? inArray(table.id, ids) : undefined);
    return db
      .select()
      .from(table as PgTable)
      .where(named) as unknown as Promise<InferSelectModel<Table>[]>;
  };
}

export const findRolesByNameOrId = byNameOrId(roles);
export const findPermissionsByNameOrId = byNameOrId(permissions);

export async function permissionNamesOfRoles(db: Executor, roleIds: string[]) {
  if (roleIds.length === 0) return [];
  return db
    .select({ roleId: rolePermissions.roleId, name: permissions.name })
    .from(rolePermissions)
    .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(inArray(rolePermissions.roleId, roleIds));
}

/** Where a revocation reaches: a scope of `inScope`, or `{ within }`: the grant held in exactly that organization, not a platform-wide one. */
export type RevocationScope = string | null | { within: string };
const revocable = (column: AnyColumn, scope: RevocationScope) =>
  typeof scope === 'object' && scope !== null ? eq(column, scope.within) : inScope(column, scope);

export async function revokeRole(db: Executor, userId: string, roleId: string, scope: RevocationScope = '*') {
  const rows = await db
    .delete(userRoles)
    .where(and(eq(userRoles.userId, userId), eq(userRoles.roleId, roleId), revocable(userRoles.organizationId, scope)))
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
  organizationId: string | null = null,
) {
  const changed = await db
    .insert(userPermissions)
    .values({ userId, permissionId, expiresAt, grantedBy, organizationId })
    .onConflictDoUpdate({
      target: [userPermissions.userId, userPermissions.permissionId, userPermissions.organizationId],
      set: { expiresAt, grantedBy },
      setWhere: sql`${userPermissions.expiresAt} IS DISTINCT FROM excluded.expires_at`,
    })
    .returning({ permissionId: userPermissions.permissionId });
  return changed.length > 0;
}

export async function revokePermission(db: Executor, userId: string, permissionId: string, scope: RevocationScope = '*') {
  const rows = await db
    .delete(userPermissions)
    .where(
      and(
        eq(userPermissions.userId, userId),
        eq(userPermissions.permissionId, permissionId),
        revocable(userPermissions.organizationId, scope),
      ),
    )
    .returning({ permissionId: userPermissions.permissionId });
  return rows.length > 0;
}

/** How many users hold each role (for the metrics). */
export async function holdersByRole(db: Executor) {
  const rows = await queryRows<{ role: string; count: string }>(
    db,
    sql`SELECT r.name AS role, count(ur.user_id) AS count
        FROM roles r LEFT JOIN user_roles ur ON ur.role_id = r.id
        GROUP BY r.name`,
  );
  return rows.map((row) => ({ role: row.role, count: Number(row.count) }));
}

/**
 * Locks every super-admin grant for the caller's transaction, in one order. A check of the last super-admin then waits for
 * another under way and, being a later statement, counts what that one committed: two super-admins removing each other
 * at once cannot both see the other still there.
 */
export async function lockSuperAdminGrants(db: Executor) {
  await db
    .select({ userId: userRoles.userId })
    .from(userRoles)
    .where(inArray(userRoles.roleId, db.select({ id: roles.id }).from(roles).where(eq(roles.isSuperAdmin, true))))
    .orderBy(userRoles.userId, userRoles.roleId)
    .for('update');
}

/** Active users (as `isActive` says) holding a super-admin role, other than `exceptUserId`. */
export async function countOtherActiveSuperAdmins(db: Executor, exceptUserId: string, isActive: UserCondition): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(DISTINCT ${userRoles.userId})::int` })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(and(eq(roles.isSuperAdmin, true), isActive(userRoles.userId), ne(userRoles.userId, exceptUserId)));
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

const roleRows = rowsById(roles);
export const findRole = roleRows.find;
export const insertRole = roleRows.insert;
export const updateRole = roleRows.update;
export const deleteRole = roleRows.remove;

export async function replaceRolePermissions(db: Executor, roleId: string, permissionIds: string[]) {
  await db.delete(rolePermissions).where(eq(rolePermissions.roleId, roleId));
  if (permissionIds.length > 0) await db.insert(rolePermissions).values(permissionIds.map((permissionId) => ({ roleId, permissionId })));
}

export async function listPermissions(db: Executor) {
  return db.select().from(permissions).orderBy(permissions.name);
}

const permissionRows = rowsById(permissions);
export const findPermission = permissionRows.find;
export const insertPermission = permissionRows.insert;
export const updatePermission = permissionRows.update;
export const deletePermission = permissionRows.remove;

export async function listUserTypes(db: Executor) {
  return db.select().from(userTypes).orderBy(userTypes.name);
}

const userTypeRows = rowsById(userTypes);
export const findUserType = userTypeRows.find;
export const insertUserType = userTypeRows.insert;
export const updateUserType = userTypeRows.update;
export const deleteUserType = userTypeRows.remove;

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

export async function rolesOf(db: Executor, userId: string, scope: string | null) {
  return db
    .selectDistinct({ id: roles.id, name: roles.name })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(and(eq(userRoles.userId, userId), inScope(userRoles.organizationId, scope)))
    .orderBy(roles.name);
}

/** The roles of many users in one query: for each scope (as `rolesOf`'s), those its users hold there. */
export async function rolesOfUsers(db: Executor, usersByScope: Map<string | null, string[]>) {
  return db
    .selectDistinct({ userId: userRoles.userId, id: roles.id, name: roles.name })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(
      or(...[...usersByScope].map(([scope, userIds]) => and(inArray(userRoles.userId, userIds), inScope(userRoles.organizationId, scope)))),
    )
    .orderBy(userRoles.userId, roles.name);
}

/** Every grant of a user with the organization it holds in (null: platform-wide), for their export and memberships. */
export async function scopedRolesOf(db: Executor, userId: string) {
  return db
    .select({ id: roles.id, name: roles.name, organizationId: userRoles.organizationId })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId))
    .orderBy(roles.name);
}

/** Ends every grant a user holds within an organization (their membership there ended). */
export async function revokeAllWithin(db: Executor, userId: string, organizationId: string) {
  const revoked = await db
    .delete(userRoles)
    .where(and(eq(userRoles.userId, userId), eq(userRoles.organizationId, organizationId)))
    .returning({ roleId: userRoles.roleId });
  await db.delete(userPermissions).where(and(eq(userPermissions.userId, userId), eq(userPermissions.organizationId, organizationId)));
  return revoked.length;
}

/**
 * For another module's query of members: the user whose id is `userId` holds, within the organization or
 * platform-wide, a role carrying `permission` (or a super-admin role).
 */
export const holdsPermissionWithin = (organizationId: string, permission: string) => (userId: AnyColumn) =>
  sql`EXISTS (SELECT 1 FROM ${userRoles} ur JOIN ${roles} r ON r.id = ur.role_id
    LEFT JOIN ${rolePermissions} rp ON rp.role_id = r.id LEFT JOIN ${permissions} p ON p.id = rp.permission_id
    WHERE ur.user_id = ${userId} AND (ur.organization_id IS NULL OR ur.organization_id = ${organizationId})
    AND (r.is_super_admin OR p.name = ${permission}))`;

/** For another module's query of members: holds the role within the organization (or platform-wide). */
export const holdsRoleWithin = (organizationId: string, roleId: string) => (userId: AnyColumn) =>
  sql`EXISTS (SELECT 1 FROM ${userRoles} ur WHERE ur.user_id = ${userId} AND ur.role_id = ${roleId}
    AND (ur.organization_id IS NULL OR ur.organization_id = ${organizationId}))`;

/** Direct grants still in force in the scope, with their expiry. */
export async function directPermissionsOf(db: Executor, userId: string, scope: string | null) {
  return db
    .select({
      id: permissions.id,
      name: permissions.name,
      expiresAt: userPermissions.expiresAt,
      organizationId: userPermissions.organizationId,
    })
    .from(userPermissions)
    .innerJoin(permissions, eq(permissions.id, userPermissions.permissionId))
    .where(
      and(
        eq(userPermissions.userId, userId),
        inScope(userPermissions.organizationId, scope),
        or(isNull(userPermissions.expiresAt), gt(userPermissions.expiresAt, new Date())),
      ),
    )
    .orderBy(permissions.name);
}

export async function rolePermissionsOf(db: Executor, userId: string, scope: string | null) {
  return db
    .select({ permission: permissions.name, role: roles.name, superAdmin: roles.isSuperAdmin })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .leftJoin(rolePermissions, eq(rolePermissions.roleId, roles.id))
    .leftJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
    .where(and(eq(userRoles.userId, userId), inScope(userRoles.organizationId, scope)));
}

/** The names an import may use: user types, and roles (with the default one). */
export const catalogNames = async (db: Executor) => ({
  userTypes: await db.select({ id: userTypes.id, name: userTypes.name }).from(userTypes),
  roles: await db.select({ id: roles.id, name: roles.name, isDefault: roles.isDefault }).from(roles),
});

/** An import's role grants, one statement; grants already held are kept as they are. */
export const grantRolesInBulk = (db: Executor, rows: (typeof userRoles.$inferInsert)[]) => insertMany(db, userRoles, rows, true);
/** The overview's users per role (roles nobody holds included; `exists`: not deleted), granted within an organization when given. */
export async function usersByRole(db: Executor, organizationId: string | undefined, exists: UserCondition) {
  const holders = sql<number>`count(DISTINCT ${userRoles.userId})::int`;
  return db
    .select({ role: roles.name, users: holders })
    .from(roles)
    .leftJoin(
      userRoles,
      and(
        eq(userRoles.roleId, roles.id),
        exists(userRoles.userId),
        organizationId ? eq(userRoles.organizationId, organizationId) : undefined,
      ),
    )
    .groupBy(roles.name)
    .orderBy(sql`${holders} DESC`, roles.name);
}
