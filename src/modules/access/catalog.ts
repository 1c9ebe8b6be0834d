import type { AppContext } from '../../context.js';
import { badRequest, conflict, notFound } from '../../http/errors.js';
import type { Principal } from '../../http/route-policy.js';
import { type AuditActor, recordAudit } from '../audit/service.js';
import { assertMayGrant, resolvePermissions } from './grants.js';
import { isPermission } from './permissions.js';
import * as queries from './queries.js';

type RoleRow = NonNullable<Awaited<ReturnType<typeof queries.findRole>>>;
const iso = (date: Date) => date.toISOString();

/** Roles, permissions and user types (seed 004): the catalog access is built from. */
export function createCatalog(context: AppContext) {
  const db = context.database.primary;

  async function roleView(role: RoleRow) {
    const names = (await queries.permissionNamesOfRoles(db, [role.id])).map((row) => row.name).sort();
    const { updatedAt: _updated, createdAt, ...rest } = role;
    return { ...rest, permissions: names, createdAt: iso(createdAt) };
  }

  async function existingRole(id: string) {
    const role = await queries.findRole(db, id);
    if (!role) throw notFound('Role');
    return role;
  }

  return {
    async listRoles() {
      const rows = await queries.listRoles(db);
      const links = await queries.permissionNamesOfRoles(
        db,
        rows.map((role) => role.id),
      );
      return rows.map(({ updatedAt: _updated, createdAt, ...role }) => ({
        ...role,
        permissions: links
          .filter((link) => link.roleId === role.id)
          .map((link) => link.name)
          .sort(),
        createdAt: iso(createdAt),
      }));
    },
    getRole: async (id: string) => roleView(await existingRole(id)),

    async createRole(principal: Principal, body: { name: string; description?: string; permissions: string[] }, actor: AuditActor) {
      const role = await db.transaction(async (tx) => {
        const found = await resolvePermissions(tx, body.permissions);
        await assertMayGrant(tx, principal, { permissions: found.map((permission) => permission.name) });
        const created = await queries.insertRole(tx, { name: body.name, description: body.description ?? null });
        await queries.replaceRolePermissions(
          tx,
          created.id,
          found.map((permission) => permission.id),
        );
        await recordAudit(tx, actor, {
          action: 'role.created',
          entity: 'role',
          entityId: created.id,
          payload: { name: body.name, permissions: found.map((p) => p.name) },
        });
        return created;
      });
      return roleView(role);
    },

    async updateRole(
      principal: Principal,
      id: string,
      body: { name?: string; description?: string | null; isDefault?: boolean },
      actor: AuditActor,
    ) {
      const before = await existingRole(id);
      if (before.isSystem && body.name && body.name !== before.name) throw conflict('SYSTEM_ROLE', 'System roles cannot be renamed.');
      const role = await db.transaction(async (tx) => {
        await assertMayGrant(tx, principal, { roles: [before] });
        if (body.isDefault) await queries.clearDefaultRoleExcept(tx, before.name);
        const updated = await queries.updateRole(tx, id, body);
        await recordAudit(tx, actor, {
          action: 'role.updated',
          entity: 'role',
          entityId: id,
          payload: { before: { name: before.name, description: before.description, isDefault: before.isDefault }, after: body },
        });
        return updated as RoleRow;
      });
      return roleView(role);
    },

    async setRolePermissions(principal: Principal, id: string, refs: string[], actor: AuditActor) {
      const role = await existingRole(id);
      if (role.isSuperAdmin) throw conflict('SYSTEM_ROLE', 'A super-admin role holds every permission; its list cannot be edited.');
      await db.transaction(async (tx) => {
        const found = await resolvePermissions(tx, refs);
        const before = (await queries.permissionNamesOfRoles(tx, [id])).map((row) => row.name);
        // Both what is added and what is taken away must be within the actor's own access.
        await assertMayGrant(tx, principal, { permissions: [...new Set([...before, ...found.map((permission) => permission.name)])] });
        await queries.replaceRolePermissions(
          tx,
          id,
          found.map((permission) => permission.id),
        );
        await recordAudit(tx, actor, {
          action: 'role.permissions_set',
          entity: 'role',
          entityId: id,
          payload: { before: before.sort(), after: found.map((p) => p.name).sort() },
        });
      });
      // A role edit may touch any number of users: every node drops every cached profile.
      await context.access.invalidate();
      return roleView(role);
    },

    async deleteRole(principal: Principal, id: string, actor: AuditActor) {
      const role = await existingRole(id);
      if (role.isSystem || role.isSuperAdmin) throw conflict('SYSTEM_ROLE', 'System roles cannot be deleted.');
      await db.transaction(async (tx) => {
        await assertMayGrant(tx, principal, { roles: [role] });
        await queries.deleteRole(tx, id);
        await recordAudit(tx, actor, { action: 'role.deleted', entity: 'role', entityId: id, payload: { name: role.name } });
      });
      await context.access.invalidate();
    },

    async listPermissions() {
      return (await queries.listPermissions(db)).map((row) => ({ ...row, createdAt: iso(row.createdAt) }));
    },

    async createPermission(body: { name: string; description?: string }, actor: AuditActor) {
      const row = await db.transaction(async (tx) => {
        const created = await queries.insertPermission(tx, { name: body.name, description: body.description ?? null });
        await recordAudit(tx, actor, {
          action: 'permission.created',
          entity: 'permission',
          entityId: created.id,
          payload: { name: body.name },
        });
        return created;
      });
      return { ...row, createdAt: iso(row.createdAt) };
    },

    async updatePermission(id: string, body: { description: string | null }, actor: AuditActor) {
      const row = await db.transaction(async (tx) => {
        const updated = await queries.updatePermission(tx, id, body);
        if (!updated) throw notFound('Permission');
        await recordAudit(tx, actor, { action: 'permission.updated', entity: 'permission', entityId: id, payload: body });
        return updated;
      });
      return { ...row, createdAt: iso(row.createdAt) };
    },

    async deletePermission(id: string, actor: AuditActor) {
      const permission = await queries.findPermission(db, id);
      if (!permission) throw notFound('Permission');
      // Tessera's own permissions guard its routes; removing one would silently lock everyone out of them.
      if (isPermission(permission.name)) throw conflict('BUILT_IN_PERMISSION', 'Built-in permissions cannot be deleted.');
      await db.transaction(async (tx) => {
        await queries.deletePermission(tx, id);
        await recordAudit(tx, actor, {
          action: 'permission.deleted',
          entity: 'permission',
          entityId: id,
          payload: { name: permission.name },
        });
      });
      await context.access.invalidate();
    },

    async listUserTypes() {
      return (await queries.listUserTypes(db)).map(({ updatedAt: _updated, ...row }) => ({ ...row, createdAt: iso(row.createdAt) }));
    },

    async saveUserType(id: string | undefined, body: { name?: string; description?: string | null }, actor: AuditActor) {
      const row = await db.transaction(async (tx) => {
        if (!id && !body.name) throw badRequest('VALIDATION_FAILED', 'name is required.');
        const saved = id
          ? await queries.updateUserType(tx, id, body)
          : await queries.insertUserType(tx, { name: body.name as string, description: body.description ?? null });
        if (!saved) throw notFound('User type');
        await recordAudit(tx, actor, {
          action: id ? 'user_type.updated' : 'user_type.created',
          entity: 'user_type',
          entityId: saved.id,
          payload: body,
        });
        return saved;
      });
      const { updatedAt: _updated, ...rest } = row;
      return { ...rest, createdAt: iso(row.createdAt) };
    },

    async deleteUserType(id: string, actor: AuditActor) {
      if (!(await queries.findUserType(db, id))) throw notFound('User type');
      await db.transaction(async (tx) => {
        await queries.deleteUserType(tx, id);
        await recordAudit(tx, actor, { action: 'user_type.deleted', entity: 'user_type', entityId: id });
      });
    },
  };
}

export type Catalog = ReturnType<typeof createCatalog>;
