import type { Db, Executor } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import type { DomainUseCases } from '../events.js';
import { accessErrors as errors } from './errors.js';
import { assertMayGrant, resolvePermissions } from './grants.js';
import { assertMayChangeSharedRoles } from './power.js';
import * as queries from './queries.js';
import type { CreateRole, UpdateRole } from './schemas.js';

type RoleRow = NonNullable<Awaited<ReturnType<typeof queries.findRole>>>;

function roleView({ updatedAt: _updated, createdAt, ...role }: RoleRow, permissions: string[]) {
  return { ...role, permissions: [...permissions].sort(), createdAt: createdAt.toISOString() };
}

/**
 * Roles and the permissions they bundle; nobody makes or edits a role beyond their own access.
 * Every role is shared by all organizations, so only cross-tenant actors make, edit or delete one.
 */
export function createRoles(db: Db, useCases: DomainUseCases) {
  async function existingRole(executor: Executor, id: string) {
    const role = await queries.findRole(executor, id);
    if (!role) throw errors.ROLE_NOT_FOUND();
    return role;
  }

  async function withPermissions(executor: Executor, role: RoleRow) {
    return roleView(
      role,
      (await queries.permissionNamesOfRoles(executor, [role.id])).map((row) => row.name),
    );
  }

  return {
    /** Every role, or those bundling `permission`: which roles give it, the other way round from a role's list. */
    async list(filter: { permission?: string } = {}) {
      const rows = await queries.listRoles(db);
      const links = await queries.permissionNamesOfRoles(
        db,
        rows.map((role) => role.id),
      );
      const views = rows.map((role) =>
        roleView(
          role,
          links.filter((link) => link.roleId === role.id).map((link) => link.name),
        ),
      );
      return filter.permission ? views.filter((role) => role.permissions.includes(filter.permission as string)) : views;
    },

    get: async (id: string) => withPermissions(db, await existingRole(db, id)),

    async create(caller: SignedInCaller, body: CreateRole) {
      assertMayChangeSharedRoles(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const found = await resolvePermissions(tx, body.permissions);
        const names = found.map((permission) => permission.name);
        await assertMayGrant(tx, caller.principal, { permissions: names });
        const created = await queries.insertRole(tx, { name: body.name, description: body.description ?? null });
        await queries.replaceRolePermissions(
          tx,
          created.id,
          found.map((permission) => permission.id),
        );
        await emit({ type: 'role.created', entityId: created.id, payload: { name: created.name, permissions: names } });
        return roleView(created, names);
      });
    },

    async update(caller: SignedInCaller, id: string, body: UpdateRole) {
      assertMayChangeSharedRoles(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const before = await existingRole(tx, id);
        if (before.isSystem && body.name && body.name !== before.name) throw errors.SYSTEM_ROLE('System roles cannot be renamed.');
        await assertMayGrant(tx, caller.principal, { roles: [before] });
        if (body.isDefault) await queries.clearDefaultRoleExcept(tx, before.name);
        // Gone since it was read (a racing delete): the same 404, and nothing written.
        const after = await queries.updateRole(tx, id, body);
        if (!after) throw errors.ROLE_NOT_FOUND();
        const changes = changedFields(before, after, ['name', 'description', 'isDefault']);
        if (changes) await emit({ type: 'role.updated', entityId: id, payload: changes });
        return withPermissions(tx, after);
      });
    },

    async setPermissions(caller: SignedInCaller, id: string, refs: string[]) {
      assertMayChangeSharedRoles(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const role = await existingRole(tx, id);
        if (role.isSuperAdmin) throw errors.SYSTEM_ROLE('A super-admin role holds every permission; its list cannot be edited.');
        const found = await resolvePermissions(tx, refs);
        const before = (await queries.permissionNamesOfRoles(tx, [id])).map((row) => row.name).sort();
        const after = found.map((permission) => permission.name).sort();
        // Both what is added and what is taken away must be within the actor's own access.
        await assertMayGrant(tx, caller.principal, { permissions: [...new Set([...before, ...after])] });
        await queries.replaceRolePermissions(
          tx,
          id,
          found.map((permission) => permission.id),
        );
        if (before.join() !== after.join()) await emit({ type: 'role.permissions_set', entityId: id, payload: { before, after } });
        return roleView(role, after);
      });
    },

    async remove(caller: SignedInCaller, id: string) {
      assertMayChangeSharedRoles(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const role = await existingRole(tx, id);
        if (role.isSystem || role.isSuperAdmin) throw errors.SYSTEM_ROLE('System roles cannot be deleted.');
        await assertMayGrant(tx, caller.principal, { roles: [role] });
        if (!(await queries.deleteRole(tx, id))) throw errors.ROLE_NOT_FOUND();
        await emit({ type: 'role.deleted', entityId: id, payload: { name: role.name } });
      });
    },
  };
}
