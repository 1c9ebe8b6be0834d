import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { rowsById, rowsOfOwner } from '../../db/rows.js';
import { identityProviders, userIdentities } from '../../db/schema/index.js';

export type ProviderRow = typeof identityProviders.$inferSelect;
export type IdentityRow = typeof userIdentities.$inferSelect;

export const listProviders = (db: Executor) => db.select().from(identityProviders).orderBy(asc(identityProviders.slug));

export async function findProviderBySlug(db: Executor, slug: string) {
  const [row] = await db.select().from(identityProviders).where(eq(identityProviders.slug, slug));
  return row;
}

const providerRows = rowsById(identityProviders);
export const findProvider = providerRows.find;
export const insertProvider = providerRows.insert;
export const updateProvider = providerRows.update;
export const deleteProvider = providerRows.remove;

export async function findIdentity(db: Executor, provider: string, subject: string) {
  const [row] = await db
    .select()
    .from(userIdentities)
    .where(and(eq(userIdentities.provider, provider), eq(userIdentities.subject, subject)));
  return row;
}

/** A person's identity; another person's reads as none. */
export const findIdentityOfUser = rowsOfOwner(userIdentities, userIdentities.userId).find;

export const identitiesOfUser = (db: Executor, userId: string) =>
  db.select().from(userIdentities).where(eq(userIdentities.userId, userId)).orderBy(asc(userIdentities.createdAt));

/** The user's identities, locked until the transaction ends (unlinking checks what would be left). */
export const lockIdentitiesOfUser = (tx: Executor, userId: string) =>
  tx.select({ id: userIdentities.id }).from(userIdentities).where(eq(userIdentities.userId, userId)).for('update');

export async function insertIdentity(db: Executor, values: typeof userIdentities.$inferInsert) {
  const [row] = await db.insert(userIdentities).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** What the provider says today (the address may have changed there), and when it was last used. */
export async function touchIdentity(db: Executor, id: string, values: { email: string | null; emailVerified: boolean }) {
  await db
    .update(userIdentities)
    .set({ ...values, lastSignInAt: new Date() })
    .where(eq(userIdentities.id, id));
}

export async function deleteIdentity(db: Executor, id: string) {
  const [row] = await db.delete(userIdentities).where(eq(userIdentities.id, id)).returning();
  return row;
}

/** A provider removed takes its identities along: its slug, reused, must not sign anyone into them. */
export async function deleteIdentitiesOfProvider(db: Executor, provider: string) {
  const deleted = await db.delete(userIdentities).where(eq(userIdentities.provider, provider)).returning({ id: userIdentities.id });
  return deleted.length;
}

/** Every identity linked to a user, removed; answers them. */
export const deleteIdentitiesOfUser = (db: Executor, userId: string) =>
  db.delete(userIdentities).where(eq(userIdentities.userId, userId)).returning();

/** A user's identities whose provider gave this address without verifying it, removed; answers them. */
export const deleteUnverifiedIdentitiesOfAddress = (db: Executor, userId: string, email: string) =>
  db
    .delete(userIdentities)
    .where(and(eq(userIdentities.userId, userId), eq(userIdentities.email, email), eq(userIdentities.emailVerified, false)))
    .returning();
