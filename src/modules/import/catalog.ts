import type { Executor } from '../../db/client.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../../platform/caller.js';
import { assertMayActOn, assertNotApiKey, deferredGrants, inTenancy, tenantOf } from '../access/service.js';
import type { ImportOwners } from './owners.js';
import type { Catalog } from './validate.js';

/** A refusal a line reports by field (a 4xx of the rule); anything else is a failure of the import. */
function refusalOf(error: unknown): string {
  if (error instanceof AppError && error.status < 500) return error.detail;
  throw error;
}

/**
 * What the single-user routes ask of a status change: users:delete to deactivate or restore, users:suspend to
 * suspend (or hold as pending) and to lift a suspension. An INACTIVE user suspended by a line asks both.
 */
function statusPermissions(from: string, to: string | undefined) {
  const needed: string[] = [];
  if (from === 'INACTIVE' || to === 'INACTIVE') needed.push('users:delete');
  if (to === 'SUSPENDED' || to === 'PENDING' || (to === 'ACTIVE' && from !== 'INACTIVE')) needed.push('users:suspend');
  return needed;
}

/**
 * The names an import file may use (organization slugs, user types, roles), read once. For an
 * administrator's import (HTTP) the rules of the single-user routes apply to every line: the tenancy
 * rule (another organization's account is one the actor cannot see), "nobody grants beyond what they
 * hold" and "nobody acts on an account holding more than they do"; the CLI acts as the system and is
 * not limited.
 */
export async function loadCatalog(db: Executor, actor: Principal | undefined, owners: ImportOwners): Promise<Catalog> {
  const rows = { organizations: await owners.organizations.slugs(db), ...(await owners.access.catalogNames(db)) };
  const organizations = new Map(rows.organizations.map((row) => [row.slug, row.id]));
  const userTypes = new Map(rows.userTypes.map((row) => [row.name, row.id]));
  const roles = new Map(rows.roles.flatMap((row) => [[row.name, row.id] as const, [row.id, row.id] as const]));
  const tenant = actor ? tenantOf(actor) : undefined;
  const decided = new Map<string, Promise<string | undefined>>();

  return {
    // Another tenant's organization is, to a confined actor, no organization at all: the same answer as a slug none has.
    organizationId: (slug) => {
      const id = organizations.get(slug);
      return id !== undefined && (tenant === undefined || id === tenant) ? id : undefined;
    },
    userTypeId: (name) => userTypes.get(name),
    roleId: (ref) => roles.get(ref),
    defaultRoleId: rows.roles.find((row) => row.isDefault)?.id,
    defaultOrganizationId: tenant ?? null,
    sees: (organizationId) => !actor || inTenancy(actor, organizationId),
    mayVerifyAddresses: !actor || actor.crossTenant,
    async updateRefused(account, line, executor = db) {
      if (!actor) return undefined;
      const changing = line.status !== undefined && line.status !== account.status;
      const removing = changing && line.status !== 'ACTIVE';
      const missing = changing ? statusPermissions(account.status, line.status).filter((name) => !actor.permissions.has(name)) : [];
      if (missing.length > 0) return `changing this user's status from ${account.status} to ${line.status} needs ${missing.join(' and ')}`;
      const check = async () => {
        // The writer gives a line's hash only to an account without a password (src/modules/import/writer.ts).
        if (line.passwordHash !== null && account.passwordHash === null) assertNotApiKey(actor);
        // The line overwrites both, a missing one with none.
        owners.users.assertIdentifierChangesAllowed(actor, account, { username: line.username, phone: line.phone });
        await assertMayActOn(executor, actor, account.id, 'account');
        if (removing) await owners.users.assertMayRemove(executor, actor, account.id);
      };
      return check().then(() => undefined, refusalOf);
    },
    placementRefused: (organizationId) =>
      tenant !== undefined && organizationId !== tenant ? 'you can only place users in your own organization' : undefined,
    grantRefused(roleIds) {
      if (!actor || roleIds.length === 0) return Promise.resolve(undefined);
      const key = [...roleIds].sort().join(',');
      let verdict = decided.get(key);
      if (!verdict) {
        verdict = deferredGrants.decide(db, actor, { roles: roleIds }).then(() => undefined, refusalOf);
        decided.set(key, verdict);
      }
      return verdict;
    },
  };
}
