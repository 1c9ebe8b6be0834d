import type { Db } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import { isPermission } from '../../platform/permissions.js';
import type { DomainUseCases } from '../events.js';
import { accessErrors as errors } from './errors.js';
import { assertMayChangeSharedCatalog } from './power.js';
import * as queries from './queries.js';
import type { CreatePermission, CreateUserType, UpdatePermission, UpdateUserType } from './schemas.js';

type PermissionRow = NonNullable<Awaited<ReturnType<typeof queries.findPermission>>>;
type UserTypeRow = NonNullable<Awaited<ReturnType<typeof queries.findUserType>>>;

const permissionView = (row: PermissionRow) => ({ ...row, createdAt: row.createdAt.toISOString() });
const userTypeView = ({ updatedAt: _updated, ...row }: UserTypeRow) => ({ ...row, createdAt: row.createdAt.toISOString() });

/** The permissions roles are made of, and the user types. */
export function createCatalog(db: Db, useCases: DomainUseCases) {
  return {
    listPermissions: async () => (await queries.listPermissions(db)).map(permissionView),

    async createPermission(caller: SignedInCaller, body: CreatePermission) {
      assertMayChangeSharedCatalog(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const created = await queries.insertPermission(tx, { name: body.name, description: body.description ?? null });
        await emit({ type: 'permission.created', entityId: created.id, payload: { name: created.name } });
        return permissionView(created);
      });
    },

    async updatePermission(caller: SignedInCaller, id: string, body: UpdatePermission) {
      assertMayChangeSharedCatalog(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const before = await queries.findPermission(tx, id);
        const after = before && (await queries.updatePermission(tx, id, body));
        if (!before || !after) throw errors.PERMISSION_NOT_FOUND();
        const changes = changedFields(before, after, ['description']);
        if (changes) await emit({ type: 'permission.updated', entityId: id, payload: changes });
        return permissionView(after);
      });
    },

    async deletePermission(caller: SignedInCaller, id: string) {
      assertMayChangeSharedCatalog(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        const permission = await queries.findPermission(tx, id);
        if (!permission) throw errors.PERMISSION_NOT_FOUND();
        // Tessera's own permissions guard its routes; removing one would silently lock everyone out of them.
        if (isPermission(permission.name)) throw errors.BUILT_IN_PERMISSION();
        if (!(await queries.deletePermission(tx, id))) throw errors.PERMISSION_NOT_FOUND();
        await emit({ type: 'permission.deleted', entityId: id, payload: { name: permission.name } });
      });
    },

    listUserTypes: async () => (await queries.listUserTypes(db)).map(userTypeView),

    async createUserType(caller: SignedInCaller, body: CreateUserType) {
      assertMayChangeSharedCatalog(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const created = await queries.insertUserType(tx, { name: body.name, description: body.description ?? null });
        await emit({ type: 'user_type.created', entityId: created.id, payload: { name: created.name, description: created.description } });
        return userTypeView(created);
      });
    },

    async updateUserType(caller: SignedInCaller, id: string, body: UpdateUserType) {
      assertMayChangeSharedCatalog(caller.principal);
      return useCases.run(caller, async (tx, emit) => {
        const before = await queries.findUserType(tx, id);
        const after = before && (await queries.updateUserType(tx, id, body));
        if (!before || !after) throw errors.USER_TYPE_NOT_FOUND();
        const changes = changedFields(before, after, ['name', 'description']);
        if (changes) await emit({ type: 'user_type.updated', entityId: id, payload: changes });
        return userTypeView(after);
      });
    },

    async deleteUserType(caller: SignedInCaller, id: string) {
      assertMayChangeSharedCatalog(caller.principal);
      await useCases.run(caller, async (tx, emit) => {
        if (!(await queries.deleteUserType(tx, id))) throw errors.USER_TYPE_NOT_FOUND();
        await emit({ type: 'user_type.deleted', entityId: id });
      });
    },
  };
}
