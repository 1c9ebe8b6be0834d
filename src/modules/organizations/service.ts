import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { Principal, SignedInCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import { type ExportPart, rowsWithin } from '../../platform/export-scope.js';
import { cursorOf, pageOf } from '../../platform/paging.js';
import { type AccessService, tenantOf } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import { organizationErrors as errors } from './errors.js';
import { createMembershipChanges, endEveryMembership, memberships } from './memberships.js';
import * as queries from './queries.js';
import type { CreateOrganization, ListOrganizationsQuery, UpdateOrganization } from './schemas.js';

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

/** What an organization's update records when it changed. */
const auditedFields = ['name', 'slug', 'status', 'description', 'mfa', 'brandName', 'brandLogoUrl', 'brandPrimaryColor'] as const;

/** Organizations are tenants: an actor confined to one sees only it, and another answers 404. */
/** Organizations page by name, then id (names need not be unique). */
const organizationCursor = cursorOf(['text', 'uuid'] as const);

export function createOrganizationsService(context: AppContext, { useCases, access }: { useCases: DomainUseCases; access: AccessService }) {
  const db = context.database.primary;
  const members = createMembershipChanges(context, useCases, access);

  async function visible(executor: Executor, principal: Principal, id: string) {
    const tenant = tenantOf(principal);
    const row = tenant === undefined || tenant === id ? await queries.findOrganization(executor, id) : undefined;
    if (!row) throw errors.ORGANIZATION_NOT_FOUND();
    return row;
  }

  function assertCrossTenant(principal: Principal) {
    if (tenantOf(principal) !== undefined) throw errors.CROSS_TENANT_REQUIRED();
  }

  return {
    /** Membership changes inside another module's use case (joining, suspending, leaving; the last-administrator rule). */
    members,
    /** A person's memberships, for their GDPR export. */
    exportParts: {
      memberships: async (executor, userId, within) => rowsWithin(await memberships.of(executor, userId), within),
    } satisfies Record<string, ExportPart>,
    /** The organization if the caller may see it; 404 otherwise (missing or another tenant's). */
    visible: (caller: SignedInCaller, id: string) => visible(db, caller.principal, id),
    /** Name and slug of an organization, for other modules' views. */
    summary: async (executor: Executor, id: string | null) => {
      const row = id ? await queries.findOrganization(executor, id) : undefined;
      if (!row) return null;
      const brand = { name: row.brandName, logoUrl: row.brandLogoUrl, primaryColor: row.brandPrimaryColor };
      return { id: row.id, name: row.name, slug: row.slug, brand };
    },
    /** Every organization's id and slug, for an import that names them by slug. */
    slugs: (executor: Executor) => queries.slugs(executor),
    /** The organization's own MFA policy, or null when it follows the deployment's. */
    mfaPolicyOf: async (executor: Executor, id: string | null) =>
      id ? ((await queries.findOrganization(executor, id))?.mfa ?? null) : null,
    /** A page of the organizations in the caller's tenancy, by name. */
    async list(caller: SignedInCaller, query: ListOrganizationsQuery) {
      const limit = query.limit ?? 20;
      const rows = await queries.listOrganizations(db, {
        onlyId: tenantOf(caller.principal),
        after: organizationCursor.decode(query.cursor),
        limit,
      });
      return pageOf(rows, limit, organizationView, (row) => organizationCursor.encode([row.name, row.id]));
    },
    get: async (caller: SignedInCaller, id: string) => organizationView(await visible(db, caller.principal, id)),

    async create(caller: SignedInCaller, body: CreateOrganization) {
      assertCrossTenant(caller.principal);
      const row = await useCases.run(caller, async (tx, emit) => {
        const created = await queries.insertOrganization(tx, {
          name: body.name,
          slug: body.slug ?? slugify(body.name),
          description: body.description ?? null,
        });
        await emit({
          type: 'organization.created',
          entityId: created.id,
          organizationId: created.id,
          payload: { name: created.name, slug: created.slug },
        });
        return created;
      });
      return organizationView(row);
    },

    async update(caller: SignedInCaller, id: string, body: UpdateOrganization) {
      const row = await useCases.run(caller, async (tx, emit) => {
        const before = await visible(tx, caller.principal, id);
        // Gone since it was read (a racing delete): the same 404, and nothing written.
        const after = await queries.updateOrganization(tx, id, body);
        if (!after) throw errors.ORGANIZATION_NOT_FOUND();
        const changes = changedFields(before, after, auditedFields);
        if (changes) await emit({ type: 'organization.updated', entityId: id, organizationId: id, payload: changes });
        return after;
      });
      return organizationView(row);
    },

    async remove(caller: SignedInCaller, id: string) {
      await useCases.run(caller, async (tx, emit) => {
        await visible(tx, caller.principal, id);
        assertCrossTenant(caller.principal);
        // Locked before its members are read: one joining meanwhile would otherwise go by the cascade, unheard.
        if (!(await queries.lockOrganization(tx, id))) throw errors.ORGANIZATION_NOT_FOUND();
        // Emitted before the row goes: the modules owning rows of the organization (oidc's applications, webhooks'
        // endpoints, pending invitations) remove or withdraw them in reaction, each with its own event, where the
        // foreign keys' cascade would remove them unheard; its memberships end likewise.
        await emit({ type: 'organization.deleted', entityId: id, organizationId: id });
        await endEveryMembership(tx, emit, id);
        if (!(await queries.deleteOrganization(tx, id))) throw errors.ORGANIZATION_NOT_FOUND();
      });
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;

export { memberships, membershipView } from './memberships.js';
export type { MembershipStatus } from './queries.memberships.js';
