import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import type { DomainUseCases } from '../events.js';
import { createCatalog } from './catalog.js';
import { catalogAccessEvents, userGrantEvents } from './events.js';
import { assertNotLastSuperAdmin, createGrants } from './grants.js';
import { type PresetName, presets } from './presets.js';
import * as queries from './queries.js';
import { createRoles } from './roles.js';
import { createUserAccess } from './user-access.js';

/**
 * Access ("what may you do?"): the catalog of roles, permissions and user types, grants to users, and the
 * tenancy rule. Every change drops the affected cached access profiles on every node once committed.
 */
export function createAccessService(context: AppContext, { useCases }: { useCases: DomainUseCases }) {
  const db = context.database.primary;
  useCases.afterCommit(userGrantEvents, (event) => context.access.invalidate(event.entityId ?? undefined));
  // A role or permission edit may touch any number of users: every node drops every cached profile.
  useCases.afterCommit(catalogAccessEvents, () => context.access.invalidate());
  return {
    roles: createRoles(db, useCases),
    catalog: createCatalog(db, useCases),
    grants: createGrants(useCases),
    assertNotLastSuperAdmin,
    ...createUserAccess(context),
  };
}

export type AccessService = ReturnType<typeof createAccessService>;

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

export { isPermission, type Permission } from './permissions.js';
export { inTenancy, resolveUserId, tenantOf } from './tenancy.js';
