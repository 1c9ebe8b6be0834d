import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { cursorOf, pageOf } from '../../platform/paging.js';
import { type AccessService, assertMayActOn, assertNotImpersonating, deferredGrants, resolveUserId, tenantOf } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import { organizationErrors } from '../organizations/errors.js';
import { memberships, type OrganizationsService } from '../organizations/service.js';
import * as queries from './queries.js';
import { applyUserChange, visibleUser } from './records.js';
import type { AddMember, ListMembersQuery, UpdateMember } from './schemas.members.js';

/** Members page by email (unique), then id. */
const memberCursor = cursorOf(['text', 'uuid'] as const);

type MembershipRow = NonNullable<Awaited<ReturnType<typeof memberships.find>>>;

/**
 * An organization's members (people belong to several organizations each): listing, adding an
 * existing account, changing a member's roles there or status, ending a membership, a person's
 * organizations and their default one. Users composes them: the account and the tenancy rule are users',
 * the membership and its rules (the last administrator) organizations', the roles access's.
 */
export function createMembers(
  context: AppContext,
  { useCases, access, organizations }: { useCases: DomainUseCases; access: AccessService; organizations: OrganizationsService },
) {
  const db = context.database.primary;

  /** Roles held within the organization: cached for lists, read in the transaction (`fresh`) after a change. */
  async function rolesWithin(executor: Executor, userId: string, organizationId: string, fresh = false) {
    const grants = fresh ? await access.grantsNow(executor, userId) : await access.grantsOf(executor, userId);
    return grants.byOrganization[organizationId]?.roles ?? [];
  }

  const memberView = (user: queries.UserRow, membership: MembershipRow, roles: string[]) => ({
    userId: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    status: membership.status,
    joinedAt: membership.joinedAt.toISOString(),
    invitedBy: membership.invitedBy,
    roles,
  });

  async function membershipOf(executor: Executor, organizationId: string, userId: string) {
    const membership = await memberships.find(executor, organizationId, userId);
    if (!membership) throw organizationErrors.MEMBERSHIP_NOT_FOUND();
    return membership;
  }

  /**
   * A membership's end; a person's default organization moves to another active one (or none). One's own is
   * never ended while impersonating: only the person may leave, since only an administrator can bring them back.
   */
  async function endMembership(caller: SignedInCaller, organizationId: string, id: string) {
    await useCases.run(caller, async (tx, emit) => {
      const user = await visibleUser(tx, caller.principal, id);
      if (user.id === caller.principal.userId) assertNotImpersonating(caller.principal);
      await membershipOf(tx, organizationId, user.id);
      await assertMayActOn(tx, caller.principal, user.id, 'organization');
      await organizations.members.leave(tx, emit, organizationId, user.id);
      if (user.organizationId === organizationId) {
        const next = (await memberships.of(tx, user.id)).find((membership) => membership.status === 'ACTIVE');
        await applyUserChange(tx, emit, user, { organizationId: next?.organizationId ?? null }, 'user.updated');
      }
    });
  }

  return {
    async list(caller: SignedInCaller, organizationId: string, query: ListMembersQuery) {
      await organizations.visible(caller, organizationId);
      const limit = query.limit ?? 20;
      const reader = await context.reads.for(caller);
      const holdsRole = query.role ? await access.holdsRoleNamedWithin(reader, organizationId, query.role) : undefined;
      if (query.role && !holdsRole) return { data: [], nextCursor: null };
      const decoded = memberCursor.decode(query.cursor);
      const rows = await queries.listUsers(
        reader,
        { memberOf: memberships.memberOf(organizationId, query.status), holdsRole, search: query.search },
        { sort: 'email', order: 'asc', limit, after: decoded && { value: decoded[0], id: decoded[1] } },
      );
      const shown = rows.slice(0, limit).map((row) => row.user);
      const held = await memberships.in(
        reader,
        organizationId,
        shown.map((user) => user.id),
      );
      const views = new Map<string, ReturnType<typeof memberView>>();
      for (const user of shown) {
        const membership = held.find((row) => row.userId === user.id);
        if (membership) views.set(user.id, memberView(user, membership, await rolesWithin(reader, user.id, organizationId)));
      }
      return pageOf(
        rows,
        limit,
        (row) => views.get(row.user.id) as ReturnType<typeof memberView>,
        (row) => memberCursor.encode([row.user.email, row.user.id]),
      );
    },

    /**
     * An existing account the caller may see joins the organization with the roles given (within what the
     * caller holds there), unless it holds more than the caller. A person of another organization is invited
     * instead (they accept): an account outside the caller's tenancy answers 404 here as everywhere.
     */
    async add(caller: SignedInCaller, organizationId: string, body: AddMember) {
      await organizations.visible(caller, organizationId);
      return useCases.run(caller, async (tx, emit) => {
        const user = await visibleUser(tx, caller.principal, body.userId);
        if (await memberships.isMember(tx, organizationId, user.id)) throw organizationErrors.ALREADY_A_MEMBER();
        // Joining gives the account roles and a place to act in: like changing a member's roles, not for an account holding more.
        await assertMayActOn(tx, caller.principal, user.id, 'organization');
        const decided = await deferredGrants.decide(tx, caller.principal, { roles: body.roleIds ?? [] });
        const roles = decided.roles.map((role) => role.name);
        const joined = await organizations.members.join(tx, emit, {
          organizationId,
          userId: user.id,
          invitedBy: caller.principal.userId,
          roles,
          via: 'admin',
        });
        // The check above cannot see an add of the same person committing meanwhile: the membership's key decides, and
        // the add that finds one made is refused whole, granting nothing (its roles are changed with PATCH).
        if (!joined) throw organizationErrors.ALREADY_A_MEMBER();
        const roleIds = decided.roles.map((role) => role.id);
        await deferredGrants.apply(tx, emit, user.id, { roleIds, permissions: [] }, caller.principal.userId, organizationId);
        return memberView(user, await membershipOf(tx, organizationId, user.id), await rolesWithin(tx, user.id, organizationId, true));
      });
    },

    /** A member's roles within the organization and their membership's status; the last administrator stays one. */
    async update(caller: SignedInCaller, organizationId: string, id: string, body: UpdateMember) {
      await organizations.visible(caller, organizationId);
      return useCases.run(caller, async (tx, emit) => {
        const user = await visibleUser(tx, caller.principal, id);
        await membershipOf(tx, organizationId, user.id);
        await assertMayActOn(tx, caller.principal, user.id, 'organization');
        await organizations.members.keepingAnAdministrator(tx, organizationId, async () => {
          if (body.roleIds) {
            const member = { userId: user.id, organizationId };
            const roles = await access.setRolesWithin(tx, emit, caller.principal, member, body.roleIds);
            if (roles.before.join() !== roles.after.join()) {
              const payload = { userId: user.id, before: { roles: roles.before }, after: { roles: roles.after } };
              await emit({ type: 'membership.updated', entityId: user.id, organizationId, payload });
            }
          }
          if (body.status) await organizations.members.setStatus(tx, emit, organizationId, user.id, body.status);
        });
        return memberView(user, await membershipOf(tx, organizationId, user.id), await rolesWithin(tx, user.id, organizationId, true));
      });
    },

    /** An administrator ends a membership (the account stays). */
    async remove(caller: SignedInCaller, organizationId: string, id: string) {
      await organizations.visible(caller, organizationId);
      await endMembership(caller, organizationId, id);
    },

    /** A person leaves one of their organizations (or an administrator ends it, through the person's path). */
    async leave(caller: SignedInCaller, id: string, organizationId: string) {
      if (resolveUserId(caller.principal, id) !== caller.principal.userId) await organizations.visible(caller, organizationId);
      await endMembership(caller, organizationId, id);
    },

    /**
     * A person's organizations with their roles in each. Another person's, seen by an administrator confined
     * to one organization, show only that one: their other memberships are none of its business.
     */
    async organizationsOf(caller: SignedInCaller, id: string) {
      const user = await visibleUser(db, caller.principal, id);
      const reader = await context.reads.for(caller);
      const tenant = user.id === caller.principal.userId ? undefined : tenantOf(caller.principal);
      const [rows, grants] = await Promise.all([memberships.of(reader, user.id), access.grantsOf(reader, user.id)]);
      return rows
        .filter((row) => tenant === undefined || row.organizationId === tenant)
        .map((row) => ({
          id: row.organizationId,
          name: row.name,
          slug: row.slug,
          status: row.status,
          joinedAt: row.joinedAt.toISOString(),
          roles: grants.byOrganization[row.organizationId]?.roles ?? [],
          isDefault: row.organizationId === user.organizationId,
        }));
    },

    /** Where the caller's sign-ins land: one of their active memberships (NOT_A_MEMBER otherwise). */
    async setDefaultOrganization(caller: SignedInCaller, organizationId: string) {
      return useCases.run(caller, async (tx, emit) => {
        const membership = await memberships.find(tx, organizationId, caller.principal.userId);
        if (membership?.status !== 'ACTIVE') throw organizationErrors.NOT_A_MEMBER();
        const user = await visibleUser(tx, caller.principal, 'me');
        await applyUserChange(tx, emit, user, { organizationId }, 'user.self_updated');
        return { organizationId };
      });
    },
  };
}
