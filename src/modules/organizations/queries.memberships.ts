import { type AnyColumn, and, asc, eq, inArray, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { organizationMemberships as memberships, organizations } from '../../db/schema/index.js';

export type MembershipRow = typeof memberships.$inferSelect;
export type MembershipStatus = MembershipRow['status'];

/** A person's memberships with their organization's name and slug, by organization name. */
export async function membershipsOf(db: Executor, userId: string) {
  return db
    .select({
      organizationId: memberships.organizationId,
      name: organizations.name,
      slug: organizations.slug,
      status: memberships.status,
      joinedAt: memberships.joinedAt,
    })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(organizations.name), asc(organizations.id));
}

export async function findMembership(db: Executor, organizationId: string, userId: string) {
  const [row] = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .limit(1);
  return row;
}

/** A membership, locked for the caller's transaction: a change decided from its status waits for one under way. */
export async function lockMembership(db: Executor, organizationId: string, userId: string) {
  const [row] = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .for('update');
  return row;
}

/** The membership rows of some people in one organization (a page of members). */
export async function membershipsIn(db: Executor, organizationId: string, userIds: string[]) {
  if (userIds.length === 0) return [];
  return db
    .select()
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), inArray(memberships.userId, userIds)));
}

/** True when the membership is new; an existing one (whatever its status) is left as it is. */
export async function insertMembership(db: Executor, values: typeof memberships.$inferInsert) {
  const inserted = await db.insert(memberships).values(values).onConflictDoNothing().returning({ userId: memberships.userId });
  return inserted.length > 0;
}

export async function setMembershipStatus(db: Executor, organizationId: string, userId: string, status: MembershipStatus) {
  const [row] = await db
    .update(memberships)
    .set({ status })
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .returning();
  return row;
}

/** Everyone who is a member of the organization, whatever their membership's status. */
export async function memberIdsOf(db: Executor, organizationId: string) {
  return db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(eq(memberships.organizationId, organizationId))
    .orderBy(asc(memberships.joinedAt), asc(memberships.userId));
}

/** True when there was a membership to end. */
export async function deleteMembership(db: Executor, organizationId: string, userId: string) {
  const rows = await db
    .delete(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .returning({ userId: memberships.userId });
  return rows.length > 0;
}

/**
 * Active members matching `condition` (access's "administers it", on the member's id), counted with their
 * rows locked: two administrators demoting each other at once cannot both pass the last-administrator check.
 */
export async function countActiveMembers(db: Executor, organizationId: string, condition: (userId: AnyColumn) => SQL) {
  const rows = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.status, 'ACTIVE'), condition(memberships.userId)))
    .for('update');
  return rows.length;
}

/**
 * For another module's query of users: the user whose id is `userId` is a member of the organization
 * (with the status, when given). The organization may be a placeholder, for a statement prepared once.
 */
export const memberOf = (organizationId: string | Placeholder, status?: MembershipStatus) => (userId: AnyColumn) =>
  status
    ? sql`EXISTS (SELECT 1 FROM ${memberships} m WHERE m.user_id = ${userId} AND m.organization_id = ${organizationId} AND m.status = ${status})`
    : sql`EXISTS (SELECT 1 FROM ${memberships} m WHERE m.user_id = ${userId} AND m.organization_id = ${organizationId})`;
