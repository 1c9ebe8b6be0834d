import { eq } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.js';
import type { Executor } from '../../db/client.js';
import { learningPreferences } from '../../db/schema/index.js';

export type PreferencesRow = typeof learningPreferences.$inferSelect;

export async function findPreferences(db: Executor, userId: string): Promise<PreferencesRow | undefined> {
  const [row] = await db.select().from(learningPreferences).where(eq(learningPreferences.userId, userId)).limit(1);
  return row;
}

export async function upsertPreferences(
  db: Executor,
  userId: string,
  values: Partial<typeof learningPreferences.$inferInsert>,
): Promise<PreferencesRow> {
  const [row] = await db
    .insert(learningPreferences)
    .values({ ...values, userId })
    .onConflictDoUpdate({ target: learningPreferences.userId, set: { ...values, updatedAt: new Date() } })
    .returning();
  return row as PreferencesRow;
}

export const insertPreferencesInBulk = (db: Executor, rows: (typeof learningPreferences.$inferInsert)[]) =>
  insertMany(db, learningPreferences, rows);
