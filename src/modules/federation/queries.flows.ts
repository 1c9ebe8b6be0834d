import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { oauthCodes, oauthFlows } from '../../db/schema/index.js';

export type FlowRow = typeof oauthFlows.$inferSelect;
export type CodeRow = typeof oauthCodes.$inferSelect;
export type NewCode = typeof oauthCodes.$inferInsert;

export async function insertFlow(db: Executor, values: typeof oauthFlows.$inferInsert) {
  await db.insert(oauthFlows).values(values);
}

/** Takes a live flow once: the row goes with the read, so a second callback with the same state finds nothing. */
export async function takeFlow(db: Executor, stateHash: string, provider: string): Promise<FlowRow | undefined> {
  const [row] = await db
    .delete(oauthFlows)
    .where(and(eq(oauthFlows.stateHash, stateHash), eq(oauthFlows.provider, provider)))
    .returning();
  return row && row.expiresAt > new Date() ? row : undefined;
}

export async function insertCode(db: Executor, values: NewCode) {
  await db.insert(oauthCodes).values(values);
}

/**
 * Marks a live code used and returns it; a used or expired one returns nothing. Two exchanges racing
 * for one code: the second waits on the first's row lock and then finds it used.
 */
export async function consumeCode(db: Executor, codeHash: string): Promise<CodeRow | undefined> {
  const [row] = await db
    .update(oauthCodes)
    .set({ consumedAt: new Date() })
    .where(and(eq(oauthCodes.codeHash, codeHash), isNull(oauthCodes.consumedAt), gt(oauthCodes.expiresAt, new Date())))
    .returning();
  return row;
}

export async function findCode(db: Executor, codeHash: string) {
  const [row] = await db.select().from(oauthCodes).where(eq(oauthCodes.codeHash, codeHash));
  return row;
}

export async function setCodeSession(db: Executor, id: string, sessionId: string) {
  await db.update(oauthCodes).set({ sessionId }).where(eq(oauthCodes.id, id));
}

/** Flows never finished and codes past any use (a used code is kept a day, for its replay to be recognised). */
export async function deleteExpired(db: Executor) {
  const now = new Date();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await db.delete(oauthFlows).where(lt(oauthFlows.expiresAt, now));
  await db.delete(oauthCodes).where(lt(oauthCodes.expiresAt, dayAgo));
}
