import type { Static } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { pageOf } from '../../platform/paging.js';
import { type AccessService, inTenancy, tenantOf } from '../access/service.js';
import { memberships, type OrganizationsService } from '../organizations/service.js';
import * as queries from './queries.js';
import { inMemberTenancy, normalizeEmail, visibleUser } from './records.js';
import type { includeOptions, LinkedIdentity, ListUsersQuery, UserDetailQuery } from './schemas.js';
import type { LearningRecords } from './self.js';
import { learningStatsView, ownFields, profileView, userCursor, userView } from './views.js';

/** A user's subscription as the user detail shows it; the subscriptions module answers (wired after users). */
export interface SubscriptionSummary {
  type: string;
  status: string;
  startDate: string;
  endDate: string | null;
  features: string[];
}
export type SubscriptionLookup = (executor: Executor, userId: string) => Promise<SubscriptionSummary | null>;
/** A user's linked identities as the detail shows them; the federation module answers (wired after users). */
export type IdentityLookup = (executor: Executor, userId: string) => Promise<Static<typeof LinkedIdentity>[]>;

/** A user's second factors: their kinds, and each factor's kind and dates (never a secret); the mfa module answers (wired after users). */
export type MfaLookup = (
  executor: Executor,
  userId: string,
) => Promise<{ enabled: boolean; kinds: string[]; factors: { kind: string; createdAt: string; lastUsedAt: string | null }[] }>;

type Include = (typeof includeOptions)[number];

/** A person's learning records are read with learning:read (or by the person), as at /users/:id/stats. */
function assertMayReadLearning(caller: SignedInCaller, userId: string, include: ReadonlySet<Include>) {
  const asked = (['preferences', 'stats'] as const).filter((part) => include.has(part));
  if (asked.length === 0 || userId === caller.principal.userId || caller.principal.permissions.has('learning:read')) return;
  throw httpErrors.FORBIDDEN({ detail: `include=${asked.join(',')} needs the learning:read permission.` });
}

/** Reading users: lists with filters, search, sort and paging; a user with its relations. */
export function createDirectory(
  { database, reads }: AppContext,
  { access, organizations, learning }: { access: AccessService; organizations: OrganizationsService; learning: LearningRecords },
) {
  const db = database.primary;
  let subscriptionOf: SubscriptionLookup = async () => null;
  let identitiesOf: IdentityLookup = async () => [];
  let mfaOf: MfaLookup = async () => ({ enabled: false, kinds: [], factors: [] });

  const roleCondition = (reader: Executor, role: string, organizationId: string | undefined) =>
    organizationId ? access.holdsRoleNamedWithin(reader, organizationId, role) : access.holdsRoleNamed(reader, role);

  async function list(caller: SignedInCaller, query: ListUsersQuery) {
    const limit = query.limit ?? 20;
    const sort = query.sort ?? 'createdAt';
    const order = query.order ?? (sort === 'email' || sort === 'name' ? 'asc' : 'desc');
    const decoded = userCursor.decode(query.cursor);
    const after = decoded && { value: decoded[0], id: decoded[1] };
    const tenant = tenantOf(caller.principal);
    // Lists may be a moment stale (a replica when there is one), but never miss the caller's own writes.
    const reader = await reads.for(caller);
    // Within the organization listed: a role someone holds in another is not theirs to the caller.
    const within = tenant ?? query.organizationId;
    const holdsRole = query.role ? await roleCondition(reader, query.role, within) : undefined;
    // Another tenant's organization, or a role that does not exist: nothing matches.
    if ((query.organizationId && tenant && query.organizationId !== tenant) || (query.role && !holdsRole)) {
      return { data: [], total: 0, totalExact: true, page: 1, limit, nextCursor: null };
    }
    const organizationId = tenant ?? query.organizationId;
    const filter: queries.UserFilter = {
      // An organization's users are its members (their default organization, or another they belong to).
      organizationId,
      memberOf: organizationId ? memberships.memberOf(organizationId) : undefined,
      search: query.search,
      status: query.status,
      holdsRole,
      userTypeId: query.userTypeId,
      email: query.email === undefined ? undefined : normalizeEmail(query.email),
      phone: query.phone,
      emailVerified: query.emailVerified,
      phoneVerified: query.phoneVerified,
      createdFrom: query.createdFrom ? new Date(query.createdFrom) : undefined,
      createdTo: query.createdTo ? new Date(query.createdTo) : undefined,
    };
    // An explicit page asks for offset paging with the total (page + total); otherwise keyset from the top, no count.
    const page = after ? undefined : query.page;
    const [rows, counted] = await Promise.all([
      queries.listUsers(reader, filter, { sort, order, limit, after, offset: page ? (page - 1) * limit : 0 }),
      page ? queries.countMatchingUsers(reader, filter) : Promise.resolve(undefined),
    ]);
    const shown = pageOf(
      rows,
      limit,
      (row) => userView(row.user),
      (row) => userCursor.encode([row.sortValue, row.user.id]),
    );
    // Each user's roles as their detail shows them (within the organization listed, else their own), one query a page.
    const rolesByUser = await access.rolesOfUsers(
      reader,
      shown.data.map((user) => ({ userId: user.id, scope: organizationId ?? user.organizationId })),
    );
    const data = shown.data.map((user) => ({ ...user, roles: rolesByUser.get(user.id) ?? [] }));
    return { ...shown, data, ...(counted ? { total: counted.total, totalExact: counted.exact, page } : {}), limit };
  }

  return {
    list,

    /** An organization's users: 404 for an organization the caller may not see. */
    async listOfOrganization(caller: SignedInCaller, organizationId: string, query: ListUsersQuery) {
      await organizations.visible(caller, organizationId);
      return list(caller, { ...query, organizationId });
    },

    async detail(caller: SignedInCaller, id: string, query: UserDetailQuery) {
      const user = await visibleUser(db, caller.principal, id);
      // Roles and permissions as they hold in the caller's organization (the target's default one across tenants).
      const scope = tenantOf(caller.principal) ?? user.organizationId;
      const include = new Set((query.include?.split(',') ?? []) as Include[]);
      assertMayReadLearning(caller, user.id, include);
      const wanted = <T>(part: Include, read: () => Promise<T>) => (include.has(part) ? read() : undefined);
      const [profile, roles, permissions, subscription, organization, identities, mfa, preferences, stats] = await Promise.all([
        wanted('profile', () => queries.findProfile(db, user.id)),
        wanted('roles', () => access.rolesOf(db, user.id, scope)),
        wanted('permissions', () => access.permissionsOf(db, user.id, scope)),
        wanted('subscription', () => subscriptionOf(db, user.id)),
        // A member whose default organization is another's: that organization is not the caller's to describe.
        wanted('organization', async () =>
          inTenancy(caller.principal, user.organizationId) ? organizations.summary(db, user.organizationId) : null,
        ),
        wanted('identities', () => identitiesOf(db, user.id)),
        wanted('mfa', () => mfaOf(db, user.id)),
        wanted('preferences', () => learning.preferencesOf(db, user.id)),
        wanted('stats', () => learning.statsOf(db, user.id)),
      ]);
      return {
        ...userView(user),
        ...(profile ? { profile: profileView(profile) } : {}),
        ...(roles ? { roles } : {}),
        ...(permissions ? { permissions } : {}),
        ...(subscription !== undefined ? { subscription } : {}),
        ...(organization !== undefined ? { organization } : {}),
        ...(identities ? { identities } : {}),
        ...(mfa ? { mfa } : {}),
        ...(include.has('preferences') ? { preferences: preferences ? ownFields(preferences) : null } : {}),
        ...(include.has('stats') ? { stats: stats ? learningStatsView(stats) : null } : {}),
      };
    },

    /** Within the caller's organization only: another tenant's address is as unknown as a free one. */
    async emailExists(caller: SignedInCaller, email: string) {
      const user = await queries.findUserByEmail(db, normalizeEmail(email));
      return user !== undefined && (await inMemberTenancy(db, caller.principal, user));
    },

    /** Port: the subscriptions module answers the detail's `subscription` (wired after users). */
    registerSubscriptionLookup(lookup: SubscriptionLookup) {
      subscriptionOf = lookup;
    },

    /** Port: the federation module answers the detail's `identities` (wired after users). */
    registerIdentityLookup(lookup: IdentityLookup) {
      identitiesOf = lookup;
    },

    /** Port: the mfa module answers the detail's `mfa` (wired after users). */
    registerMfaLookup(lookup: MfaLookup) {
      mfaOf = lookup;
    },
  };
}
