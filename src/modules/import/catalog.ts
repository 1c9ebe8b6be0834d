import type { Executor } from '../../db/client.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../../platform/caller.js';
import { deferredGrants, tenantOf } from '../access/service.js';
import * as queries from './queries.js';
import type { Catalog } from './validate.js';

/**
 * The names an import file may use (organization slugs, user types, roles), read once. For an
 * administrator's import (HTTP) the tenancy rule and the "nobody grants beyond what they hold" rule
 * apply to every line, as they do to POST /users; the CLI acts as the system and is not limited.
 */
export async function loadCatalog(db: Executor, actor: Principal | undefined): Promise<Catalog> {
  const rows = await queries.catalogRows(db);
  const organizations = new Map(rows.organizations.map((row) => [row.slug, row.id]));
  const userTypes = new Map(rows.userTypes.map((row) => [row.name, row.id]));
  const roles = new Map(rows.roles.flatMap((row) => [[row.name, row.id] as const, [row.id, row.id] as const]));
  const tenant = actor ? tenantOf(actor) : undefined;
  const decided = new Map<string, Promise<string | undefined>>();

  return {
    organizationId: (slug) => organizations.get(slug),
    userTypeId: (name) => userTypes.get(name),
    roleId: (ref) => roles.get(ref),
    defaultRoleId: rows.roles.find((row) => row.isDefault)?.id,
    defaultOrganizationId: tenant ?? null,
    placementRefused: (organizationId) =>
      tenant !== undefined && organizationId !== tenant ? 'you can only place users in your own organization' : undefined,
    grantRefused(roleIds) {
      if (!actor || roleIds.length === 0) return Promise.resolve(undefined);
      const key = [...roleIds].sort().join(',');
      let verdict = decided.get(key);
      if (!verdict) {
        verdict = deferredGrants.decide(db, actor, { roles: roleIds }).then(
          () => undefined,
          (error: unknown) => {
            if (error instanceof AppError && error.status < 500) return error.detail;
            throw error;
          },
        );
        decided.set(key, verdict);
      }
      return verdict;
    },
  };
}
