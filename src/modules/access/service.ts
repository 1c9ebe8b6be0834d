import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Db, Executor } from '../../db/client.js';
import type { Principal } from '../../platform/caller.js';
import type { Emit } from '../../platform/use-case.js';
import type { DomainEvent, DomainUseCases } from '../events.js';
import type { StatisticsPart } from '../ops/service.js';
import { createCatalog } from './catalog.js';
import { accessErrors } from './errors.js';
import { catalogAccessEvents, userGrantEvents } from './events.js';
import { assertMayGrant, createGrants, grantScopes, permissionScope, resolvePermissions, resolveRoles } from './grants.js';
import { heldAccess } from './power.js';
import { type Preset, type PresetName, presets } from './presets.js';
import type { UserCondition } from './queries.js';
import * as queries from './queries.js';
import * as presetQueries from './queries.presets.js';
import { createRoles } from './roles.js';
import { createUserAccess } from './user-access.js';

/**
 * Access ("what may you do?"): the catalog of roles, permissions and user types, grants to users, and the
 * tenancy rule. Every change drops the affected cached access profiles on every node once committed.
 */
type UserAccess = ReturnType<typeof createUserAccess>;

/** What access publishes: the role and permission catalogue, grants, what a user holds, and ports. */
export interface AccessService extends UserAccess {
  roles: ReturnType<typeof createRoles>;
  catalog: ReturnType<typeof createCatalog>;
  grants: ReturnType<typeof createGrants>;
  /** Users says which users are active (the last active super-admin keeps the role). */
  registerActiveUsers(conditions: { isActive: UserCondition; exists: UserCondition }): void;
  /** How many users hold each role (for the metrics). */
  holdersByRole: typeof queries.holdersByRole;
  /** Its figures of the administrators' overview: users per role (registered with ops at wiring time). */
  statistics: StatisticsPart<'roles'>;
  /** The user types and roles an import may name, by name. */
  catalogNames: typeof queries.catalogNames;
  /** An import's role grants (already checked against the importer's own access), set-based; held ones are kept. */
  grantRolesInBulk(tx: Executor, grants: { userId: string; roleId: string }[]): Promise<void>;
}

export function createAccessService(context: AppContext, { useCases }: { useCases: DomainUseCases }): AccessService {
  const db = context.database.primary;
  useCases.afterCommit(userGrantEvents, (event) => context.access.invalidate(event.entityId ?? undefined));
  // A role or permission edit may touch any number of users: every node drops every cached profile.
  useCases.afterCommit(catalogAccessEvents, () => context.access.invalidate());
  // Which users are active is the users module's to say (wired after access); until it does, every holder counts.
  const people: { isActive: UserCondition; exists: UserCondition } = { isActive: () => sql`true`, exists: () => sql`true` };
  const userAccess = createUserAccess(context);
  return {
    roles: createRoles(db, useCases),
    catalog: createCatalog(db, useCases),
    grants: createGrants(useCases, people),
    rolesOf: userAccess.rolesOf,
    rolesOfUsers: userAccess.rolesOfUsers,
    permissionsOf: userAccess.permissionsOf,
    grantsOf: userAccess.grantsOf,
    grantsNow: userAccess.grantsNow,
    revokeAllWithin: userAccess.revokeAllWithin,
    holdsPermissionWithin: userAccess.holdsPermissionWithin,
    holdsRoleWithin: userAccess.holdsRoleWithin,
    holdsRoleNamed: userAccess.holdsRoleNamed,
    holdsRoleNamedWithin: userAccess.holdsRoleNamedWithin,
    setRolesWithin: userAccess.setRolesWithin,
    permissionsExplained: userAccess.permissionsExplained,
    grantInitialRoles: userAccess.grantInitialRoles,
    grantSuperAdmin: userAccess.grantSuperAdmin,
    exportParts: userAccess.exportParts,
    registerActiveUsers(conditions) {
      Object.assign(people, conditions);
    },
    catalogNames: queries.catalogNames,
    grantRolesInBulk: queries.grantRolesInBulk,
    holdersByRole: queries.holdersByRole,
    statistics: (db, { organizationId }) => queries.usersByRole(db, organizationId, people.exists),
  };
}

/** Grants decided earlier (an invitation's), applied by id: a role or permission deleted since is skipped. */
export interface DecidedGrants {
  roleIds: string[];
  permissions: { id: string; expiresAt: string | null }[];
}

/**
 * Grants made ahead of time (invitations): checked when they are decided, with the same "nobody grants
 * beyond what they hold" rule as direct grants, and applied later inside another module's use case.
 */
export const deferredGrants = {
  /**
   * Resolves names or ids, refusing unknown ones (400), an expiry in the past (400), anything the actor
   * does not hold (403), and a plan from an actor who may not change subscriptions (403).
   */
  async decide(
    executor: Executor,
    actor: Principal,
    refs: { roles?: string[]; permissions?: { permission: string; expiresAt?: string }[]; plan?: string },
  ) {
    if (refs.plan && !(await heldAccess(executor, actor)).permissions.has('subscriptions:manage')) {
      throw accessErrors.GRANT_EXCEEDS_OWN_ACCESS('Only a holder of subscriptions:manage can hand out a plan.');
    }
    const roles = refs.roles?.length ? await resolveRoles(executor, refs.roles) : [];
    const wanted = refs.permissions ?? [];
    if (wanted.some((grant) => grant.expiresAt && new Date(grant.expiresAt).getTime() <= Date.now())) throw accessErrors.INVALID_EXPIRY();
    const found = wanted.length
      ? await resolvePermissions(
          executor,
          wanted.map((grant) => grant.permission),
        )
      : [];
    await assertMayGrant(executor, actor, { roles, permissions: found.map((permission) => permission.name) });
    const expiryOf = (permission: { id: string; name: string }) =>
      wanted.find((grant) => grant.permission === permission.id || grant.permission === permission.name)?.expiresAt ?? null;
    return {
      roles: roles.map((role) => ({ id: role.id, name: role.name })),
      permissions: found.map((permission) => ({ id: permission.id, name: permission.name, expiresAt: expiryOf(permission) })),
    };
  },

  /**
   * Applies decided grants within an organization (platform roles platform-wide) in the caller's
   * transaction and emits what was new (the user's cached access then drops).
   */
  async apply(
    tx: Executor,
    emit: Emit<DomainEvent>,
    userId: string,
    grants: DecidedGrants,
    grantedBy: string | null,
    organizationId: string | null = null,
  ) {
    const roles = grants.roleIds.length ? await queries.findRolesByNameOrId(tx, grants.roleIds) : [];
    const scopes = await grantScopes(tx, roles, organizationId);
    const grantedRoles: string[] = [];
    for (const role of roles) {
      if (await queries.grantRole(tx, userId, role.id, grantedBy ?? undefined, scopes.get(role.id))) grantedRoles.push(role.name);
    }
    if (grantedRoles.length > 0)
      await emit({ type: 'user.roles_granted', entityId: userId, organizationId, payload: { roles: grantedRoles } });
    const known = grants.permissions.length
      ? await queries.findPermissionsByNameOrId(
          tx,
          grants.permissions.map((grant) => grant.id),
        )
      : [];
    for (const grant of grants.permissions) {
      const permission = known.find((row) => row.id === grant.id);
      const expiresAt = grant.expiresAt ? new Date(grant.expiresAt) : null;
      const scope = permission ? permissionScope(permission.name, organizationId) : null;
      if (permission && (await queries.grantPermission(tx, userId, permission.id, expiresAt, grantedBy, scope))) {
        await emit({
          type: 'user.permissions_granted',
          entityId: userId,
          organizationId,
          payload: { permissions: [permission.name], expiresAt: grant.expiresAt },
        });
      }
    }
    return grantedRoles;
  },
};

/** What another module applies of a preset, on its own tables, in the preset's transaction (subscriptions: the plans). */
export type PresetPart = (tx: Executor, preset: Preset) => Promise<void>;
const presetParts: PresetPart[] = [];

/** A module's part of every preset, registered once when its service file loads (before any preset is applied). */
export function registerPresetPart(part: PresetPart) {
  presetParts.push(part);
}

/**
 * Applies a preset: the permission catalog, its roles with their permissions, user types, and every
 * registered part (plans). Idempotent (every write is an upsert), and all-or-nothing.
 */
export async function seedPreset(db: Db, name: PresetName) {
  const preset = presets[name];
  return db.transaction(async (tx) => {
    await presetQueries.upsertPermissionCatalog(tx);
    const saved = await presetQueries.upsertRoles(tx, preset.roles);
    const idByName = new Map(saved.map((role) => [role.name, role.id]));
    await presetQueries.linkRolePermissions(
      tx,
      preset.roles.flatMap((spec) => spec.permissions.map((permission) => ({ roleId: idByName.get(spec.name) as string, permission }))),
    );
    const defaultRole = preset.roles.find((spec) => spec.isDefault);
    if (defaultRole) await queries.clearDefaultRoleExcept(tx, defaultRole.name);
    await presetQueries.upsertUserTypes(tx, 'userTypes' in preset ? preset.userTypes : []);
    for (const part of presetParts) await part(tx, preset);
    return { roles: saved.length };
  });
}

/** At first start a database has no roles: give it the configured preset so sign-up works at once. */
export async function ensureSomePreset(db: Db, name: PresetName): Promise<boolean> {
  if ((await presetQueries.countRoles(db)) > 0) return false;
  await seedPreset(db, name);
  return true;
}

export { isPermission, type Permission } from '../../platform/permissions.js';
export { type AccessScope, cachedAccessProfile, cachedUserGrants, EVERYWHERE, profileIn } from './effective.js';
export { assertNotLastSuperAdmin } from './grants.js';
export { assertMayActOn, assertMayChangeSharedCatalog, assertNotApiKey, assertNotImpersonating, targetScope } from './power.js';
export { type PresetName, presetNames } from './presets.js';
export type { UserCondition } from './queries.js';
/** Which of these roles are platform roles (super-admin, or carrying tenants:all): granted platform-wide, never within one organization. */
export { platformRoleIds } from './queries.js';
export { inTenancy, placementFor, resolveUserId, tenantOf } from './tenancy.js';
