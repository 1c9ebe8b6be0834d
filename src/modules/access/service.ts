import type { Db } from '../../db/client.js';
import { type PresetName, presets } from './presets.js';
import * as queries from './queries.js';

/**
 * Applies a preset: the permission catalog, its roles with their permissions, user types and plans.
 * Idempotent (every write is an upsert), and all-or-nothing.
 */
export async function seedPreset(db: Db, name: PresetName) {
  const preset = presets[name];
  return db.transaction(async (tx) => {
    await queries.upsertPermissionCatalog(tx);
    const saved = await queries.upsertRoles(tx, preset.roles);
    const idByName = new Map(saved.map((role) => [role.name, role.id]));
    await queries.linkRolePermissions(
      tx,
      preset.roles.flatMap((spec) => spec.permissions.map((permission) => ({ roleId: idByName.get(spec.name) as string, permission }))),
    );
    const defaultRole = preset.roles.find((spec) => spec.isDefault);
    if (defaultRole) await queries.clearDefaultRoleExcept(tx, defaultRole.name);
    await queries.upsertUserTypes(tx, 'userTypes' in preset ? preset.userTypes : []);
    await queries.upsertPlans(tx, 'plans' in preset ? preset.plans : []);
    return { roles: saved.length };
  });
}

/** At first start a database has no roles: give it the configured preset so sign-up works at once. */
export async function ensureSomePreset(db: Db, name: PresetName): Promise<boolean> {
  if ((await queries.countRoles(db)) > 0) return false;
  await seedPreset(db, name);
  return true;
}

export const findSuperAdminRole = queries.findSuperAdminRole;
export const findDefaultRole = queries.findDefaultRole;
export const grantRole = queries.grantRole;

export { assertInTenancy, resolveUserId, tenantOf } from './tenancy.js';
