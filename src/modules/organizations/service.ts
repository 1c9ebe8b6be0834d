import type { AppContext } from '../../context.js';
import { forbidden, notFound } from '../../http/errors.js';
import type { Principal } from '../../http/route-policy.js';
import { tenantOf } from '../access/tenancy.js';
import { type AuditActor, recordAudit } from '../audit/service.js';
import * as queries from './queries.js';

const slugify = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100) || 'organization';

export const organizationView = (row: queries.OrganizationRow) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Organizations are tenants: an actor confined to one sees only it, and another answers 404. */
export function createOrganizationsService(context: AppContext) {
  const db = context.database.primary;

  async function visible(principal: Principal, id: string) {
    const tenant = tenantOf(principal);
    const row = tenant === undefined || tenant === id ? await queries.findOrganization(db, id) : undefined;
    if (!row) throw notFound('Organization');
    return row;
  }

  return {
    visible,
    list: async (principal: Principal) => (await queries.listOrganizations(db, tenantOf(principal))).map(organizationView),
    get: async (principal: Principal, id: string) => organizationView(await visible(principal, id)),

    async create(principal: Principal, body: { name: string; slug?: string; description?: string }, actor: AuditActor) {
      if (tenantOf(principal) !== undefined) throw forbidden('CROSS_TENANT_REQUIRED', 'Creating organizations needs tenants:all.');
      const row = await db.transaction(async (tx) => {
        const created = await queries.insertOrganization(tx, {
          name: body.name,
          slug: body.slug ?? slugify(body.name),
          description: body.description ?? null,
        });
        await recordAudit(tx, actor, {
          action: 'organization.created',
          entity: 'organization',
          entityId: created.id,
          organizationId: created.id,
          payload: { name: created.name, slug: created.slug },
        });
        return created;
      });
      return organizationView(row);
    },

    async update(
      principal: Principal,
      id: string,
      body: Partial<{ name: string; slug: string; description: string | null; status: 'ACTIVE' | 'SUSPENDED' }>,
      actor: AuditActor,
    ) {
      const before = await visible(principal, id);
      const row = await db.transaction(async (tx) => {
        const updated = (await queries.updateOrganization(tx, id, body)) as queries.OrganizationRow;
        await recordAudit(tx, actor, {
          action: 'organization.updated',
          entity: 'organization',
          entityId: id,
          organizationId: id,
          payload: { before: { name: before.name, slug: before.slug, status: before.status }, after: body },
        });
        return updated;
      });
      return organizationView(row);
    },

    async remove(principal: Principal, id: string, actor: AuditActor) {
      await visible(principal, id);
      if (tenantOf(principal) !== undefined) throw forbidden('CROSS_TENANT_REQUIRED', 'Deleting organizations needs tenants:all.');
      await db.transaction(async (tx) => {
        await queries.deleteOrganization(tx, id);
        await recordAudit(tx, actor, { action: 'organization.deleted', entity: 'organization', entityId: id, organizationId: id });
      });
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
