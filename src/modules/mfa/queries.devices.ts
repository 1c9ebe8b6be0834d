import { and, desc, eq, gt, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { rowsOfOwner } from '../../db/rows.js';
import { mfaRememberedDevices } from '../../db/schema/index.js';

export type RememberedDeviceRow = typeof mfaRememberedDevices.$inferSelect;

export async function insertRememberedDevice(db: Executor, values: typeof mfaRememberedDevices.$inferInsert) {
  const [row] = await db.insert(mfaRememberedDevices).values(values).returning();
  return row as RememberedDeviceRow;
}

/**
 * The person's unexpired remembered device a token names, marked used now; undefined for another person's
 * token, an expired or forgotten one. One statement: the check and the mark cannot drift apart.
 */
export async function markRememberedDeviceUsed(db: Executor, userId: string, tokenHash: string) {
  const [row] = await db
    .update(mfaRememberedDevices)
    .set({ lastUsedAt: new Date() })
    .where(
      and(
        eq(mfaRememberedDevices.tokenHash, tokenHash),
        eq(mfaRememberedDevices.userId, userId),
        gt(mfaRememberedDevices.expiresAt, new Date()),
      ),
    )
    .returning({ id: mfaRememberedDevices.id });
  return row;
}

export function listRememberedDevices(db: Executor, userId: string) {
  return db
    .select()
    .from(mfaRememberedDevices)
    .where(and(eq(mfaRememberedDevices.userId, userId), gt(mfaRememberedDevices.expiresAt, new Date())))
    .orderBy(desc(mfaRememberedDevices.createdAt));
}

/** Forgets one device of a person; another person's reads as none. */
export const deleteRememberedDevice = rowsOfOwner(mfaRememberedDevices, mfaRememberedDevices.userId).remove;

/** Forgets every device of a person; how many were still remembered (expired ones go too, uncounted). */
export async function deleteRememberedDevicesOf(db: Executor, userId: string) {
  const rows = await db
    .delete(mfaRememberedDevices)
    .where(eq(mfaRememberedDevices.userId, userId))
    .returning({ expiresAt: mfaRememberedDevices.expiresAt });
  const now = Date.now();
  return rows.filter((row) => row.expiresAt.getTime() > now).length;
}

export async function deleteExpiredRememberedDevices(db: Executor) {
  await db.delete(mfaRememberedDevices).where(lt(mfaRememberedDevices.expiresAt, new Date()));
}
