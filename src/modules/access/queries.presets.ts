// What applying a preset writes: every statement an upsert, so a preset applied twice gives the same rows.
import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { permissions, rolePermissions, roles, userTypes } from '../../db/schema/index.js';
import { permissionCatalog } from '../../platform/permissions.js';
import type { Preset } from './presets.js';

export async function upsertPermissionCatalog(db: Executor) {
  await db
    .insert(permissions)
    .values(Object.entries(permissionCatalog).map(([name, description]) => ({ name, description })))
    .onConflictDoUpdate({ target: permissions.name, set: { description: sql`excluded.description` } });
}

export async function upsertRoles(db: Executor, specs: Preset['roles']) {
  return db
    .insert(roles)
    .values(
      specs.map((spec) => ({
        name: spec.name,
        description: spec.description,
        isSystem: true,
        isDefault: spec.isDefault ?? false,
        isSuperAdmin: spec.isSuperAdmin ?? false,
      })),
    )
    .onConflictDoUpdate({
      target: roles.name,
      set: {
        description: sql`excluded.description`,
        isSystem: sql`true`,
        isDefault: sql`excluded.is_default`,
        isSuperAdmin: sql`excluded.is_super_admin`,
      },
    })
    .returning({ id: roles.id, name: roles.name });
}

export async function linkRolePermissions(db: Executor, links: { roleId: string; permission: string }[]) {
  if (links.length === 0) return;
  const found = await db
    .select({ id: permissions.id, name: permissions.name })
    .from(permissions)
    .where(inArray(permissions.name, [...new Set(links.map((link) => link.permission))]));
  const idByName = new Map(found.map((row) => [row.name, row.id]));
  await db
    .insert(rolePermissions)
    .values(links.map((link) => ({ roleId: link.roleId, permissionId: idByName.get(link.permission) as string })))
    .onConflictDoNothing();
}

export async function upsertUserTypes(db: Executor, specs: NonNullable<Preset['userTypes']>) {
  if (specs.length === 0) return;
  await db
    .insert(userTypes)
    .values(specs)
    .onConflictDoUpdate({ target: userTypes.name, set: { description: sql`excluded.description` } });
}

export async function countRoles(db: Executor): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(roles);
  return row?.count ?? 0;
}
