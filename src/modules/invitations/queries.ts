import { and, desc, eq, gt, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { eachGivenEquals } from '../../db/filters.js';
import { pageById } from '../../db/pages.js';
import { userInvitations as invitations } from '../../db/schema/index.js';
import { addressDigestOf } from '../../platform/erasure.js';

export type InvitationRow = typeof invitations.$inferSelect;
export type NewInvitation = typeof invitations.$inferInsert;
export type InvitationStatus = InvitationRow['status'];

/** The new invitation, or nothing when the address already has a pending one (the partial unique index decides, races included). */
export async function insertInvitation(db: Executor, values: NewInvitation) {
  const [row] = await db.insert(invitations).values(values).onConflictDoNothing().returning();
  return row;
}

export async function findInvitation(db: Executor, id: string) {
  const [row] = await db.select().from(invitations).where(eq(invitations.id, id)).limit(1);
  return row;
}

const usable = (now: Date) => and(eq(invitations.status, 'PENDING'), gt(invitations.expiresAt, now));

/** A pending, unexpired invitation by its token's hash. */
export async function findUsable(db: Executor, tokenHash: string, now: Date) {
  const [row] = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.tokenHash, tokenHash), usable(now)))
    .limit(1);
  return row;
}

/** The pending invitation of an address to an organization, locked for the caller's transaction. */
export async function findPendingFor(db: Executor, organizationId: string, email: string) {
  const [row] = await db
    .select()
    .from(invitations)
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.email, email),
        eq(invitations.status, 'PENDING'),
        eq(invitations.purpose, 'JOIN_ORGANIZATION'),
      ),
    )
    .for('update');
  return row;
}

/** The invitations of one person, to their account or their address, newest first. */
export function invitationsOf(db: Executor, userId: string, email: string) {
  return db
    .select()
    .from(invitations)
    .where(or(eq(invitations.userId, userId), eq(invitations.email, email)))
    .orderBy(desc(invitations.createdAt), desc(invitations.id));
}

/** An invitation's address as platform/erasure's `subjectDigest` makes one: trimmed, in lower case, SHA-256 in hex. */
const addressDigest = addressDigestOf(invitations.email);

/** The addresses the person's own invitations went to (earlier ones included), as subject digests. */
export async function inviteeAddresses(db: Executor, userId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ subject: addressDigest }).from(invitations).where(eq(invitations.userId, userId));
  return rows.map((row) => row.subject);
}

/** Every invitation to the person: their account's, and any sent to an address they have had. Returns how many went. */
export async function deleteInvitationsOf(db: Executor, person: { userId: string; subjects: string[] }) {
  const rows = await db
    .delete(invitations)
    .where(or(eq(invitations.userId, person.userId), inArray(addressDigest, person.subjects)))
    .returning({ id: invitations.id });
  return rows.length;
}

export interface InvitationFilter {
  organizationId?: string;
  status?: InvitationStatus;
  email?: string;
}

/**
 * Newest first; a page starts after the invitation `afterId`. Ids are UUIDv7, made in the order invitations are, so the
 * id alone is the page key (src/db/pages.ts): a page goes on whether or not the invitation it starts after is still there.
 */
export function listInvitations(db: Executor, filter: InvitationFilter, limit: number, afterId?: string) {
  return pageById(db, invitations, {
    where: eachGivenEquals(filter, { organizationId: invitations.organizationId, status: invitations.status, email: invitations.email }),
    order: 'newest',
    after: afterId,
    take: limit + 1,
  });
}

/**
 * Single use under concurrency: of many acceptances of one token, the first UPDATE takes it and every
 * other finds no pending row.
 */
export async function claim(db: Executor, id: string, tokenHash: string, now: Date) {
  const [row] = await db
    .update(invitations)
    .set({ status: 'ACCEPTED', acceptedAt: now })
    .where(and(eq(invitations.id, id), eq(invitations.tokenHash, tokenHash), usable(now)))
    .returning();
  return row;
}

export async function setAcceptedBy(db: Executor, id: string, userId: string) {
  await db.update(invitations).set({ userId }).where(eq(invitations.id, id));
}

/** A resend: a new token (the old one dies), a new lifetime, the reminders counted again from now. */
export async function renew(db: Executor, id: string, tokenHash: string, now: Date, expiresAt: Date) {
  const [row] = await db
    .update(invitations)
    .set({ tokenHash, sentAt: now, expiresAt, reminderCount: 0, reminderSentAt: null })
    .where(and(eq(invitations.id, id), eq(invitations.status, 'PENDING')))
    .returning();
  return row;
}

/** Cancels every pending invitation of an organization: what each was. */
export function cancelPendingOf(db: Executor, organizationId: string) {
  return db
    .update(invitations)
    .set({ status: 'CANCELLED' })
    .where(and(eq(invitations.organizationId, organizationId), eq(invitations.status, 'PENDING')))
    .returning({ id: invitations.id, organizationId: invitations.organizationId });
}

export async function cancel(db: Executor, id: string) {
  const [row] = await db
    .update(invitations)
    .set({ status: 'CANCELLED' })
    .where(and(eq(invitations.id, id), eq(invitations.status, 'PENDING')))
    .returning();
  return row;
}

/**
 * Invitations owed a reminder: pending, unexpired, under the cap, and an interval past the last mail.
 * Locked, skipping those another node holds, so two nodes never remind the same one.
 */
export function dueForReminder(db: Executor, options: { now: Date; intervalMs: number; max: number; limit: number }) {
  const lastMailBefore = new Date(options.now.getTime() - options.intervalMs);
  return db
    .select()
    .from(invitations)
    .where(
      and(
        usable(options.now),
        lt(invitations.reminderCount, options.max),
        lte(sql`coalesce(${invitations.reminderSentAt}, ${invitations.sentAt})`, lastMailBefore),
      ),
    )
    .orderBy(invitations.id)
    .limit(options.limit)
    .for('update', { skipLocked: true });
}

export async function markReminded(db: Executor, id: string, tokenHash: string, now: Date) {
  const [row] = await db
    .update(invitations)
    .set({ tokenHash, reminderSentAt: now, reminderCount: sql`${invitations.reminderCount} + 1` })
    .where(eq(invitations.id, id))
    .returning();
  return row as InvitationRow;
}

/** One statement, safe on any number of nodes at once: returns the invitations it expired. */
export function expireDue(db: Executor, now: Date) {
  return db
    .update(invitations)
    .set({ status: 'EXPIRED' })
    .where(and(eq(invitations.status, 'PENDING'), lte(invitations.expiresAt, now)))
    .returning({ id: invitations.id, organizationId: invitations.organizationId });
}

/** The overview's invitations by state, within an organization when given. */
export async function invitationCounts(db: Executor, organizationId: string | undefined) {
  const [row] = await db
    .select({
      pending: sql<number>`(count(*) FILTER (WHERE ${invitations.status} = 'PENDING'))::int`,
      accepted: sql<number>`(count(*) FILTER (WHERE ${invitations.status} = 'ACCEPTED'))::int`,
      expired: sql<number>`(count(*) FILTER (WHERE ${invitations.status} = 'EXPIRED'))::int`,
      cancelled: sql<number>`(count(*) FILTER (WHERE ${invitations.status} = 'CANCELLED'))::int`,
    })
    .from(invitations)
    .where(organizationId ? eq(invitations.organizationId, organizationId) : undefined);
  return row ?? { pending: 0, accepted: 0, expired: 0, cancelled: 0 };
}
