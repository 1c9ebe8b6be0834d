import { and, count, eq, gt, inArray, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { mfaChallenges, mfaFactors } from '../../db/schema/index.js';

export type FactorRow = typeof mfaFactors.$inferSelect;
export type FactorKind = FactorRow['type'];
export type ChallengeRow = typeof mfaChallenges.$inferSelect;
export type ChallengePurpose = 'SECOND_FACTOR' | 'ENROLLMENT' | 'PASSKEY_REGISTRATION' | 'PASSKEY_LOGIN';

export async function insertFactor(db: Executor, values: typeof mfaFactors.$inferInsert) {
  const [row] = await db.insert(mfaFactors).values(values).returning();
  return row as FactorRow;
}

/** A person's factors as they list them: TOTP secrets and passkeys, never recovery codes one by one. */
export function listFactors(db: Executor, userId: string) {
  return db
    .select()
    .from(mfaFactors)
    .where(and(eq(mfaFactors.userId, userId), ne(mfaFactors.type, 'RECOVERY_CODE'), isNotNull(mfaFactors.confirmedAt)))
    .orderBy(mfaFactors.createdAt);
}

export async function findFactor(db: Executor, userId: string, id: string) {
  const [row] = await db
    .select()
    .from(mfaFactors)
    .where(and(eq(mfaFactors.id, id), eq(mfaFactors.userId, userId), ne(mfaFactors.type, 'RECOVERY_CODE')));
  return row;
}

/** The kinds of active factor a person has (recovery codes only while one is unused). */
export async function activeKinds(db: Executor, userId: string): Promise<FactorKind[]> {
  const rows = await db
    .selectDistinct({ type: mfaFactors.type })
    .from(mfaFactors)
    .where(
      and(
        eq(mfaFactors.userId, userId),
        isNotNull(mfaFactors.confirmedAt),
        or(ne(mfaFactors.type, 'RECOVERY_CODE'), isNull(mfaFactors.lastUsedAt)),
      ),
    );
  return rows.map((row) => row.type);
}

export async function confirmFactor(db: Executor, id: string, step: number) {
  const [row] = await db
    .update(mfaFactors)
    .set({ confirmedAt: new Date(), lastStep: step, lastUsedAt: new Date() })
    .where(and(eq(mfaFactors.id, id), isNull(mfaFactors.confirmedAt)))
    .returning();
  return row;
}

/** Enrolments started and never confirmed: a new one replaces them. */
export async function deletePendingTotp(db: Executor, userId: string) {
  await db.delete(mfaFactors).where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'TOTP'), isNull(mfaFactors.confirmedAt)));
}

export async function confirmedTotpCount(db: Executor, userId: string) {
  const [row] = await db
    .select({ n: count() })
    .from(mfaFactors)
    .where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'TOTP'), isNotNull(mfaFactors.confirmedAt)));
  return row?.n ?? 0;
}

export async function replaceRecoveryCodes(db: Executor, userId: string, hashes: string[]) {
  await db.delete(mfaFactors).where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'RECOVERY_CODE')));
  const now = new Date();
  await db.insert(mfaFactors).values(hashes.map((secret) => ({ userId, type: 'RECOVERY_CODE' as const, secret, confirmedAt: now })));
}

export async function hasRecoveryCodes(db: Executor, userId: string) {
  const [row] = await db
    .select({ n: count() })
    .from(mfaFactors)
    .where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'RECOVERY_CODE')));
  return (row?.n ?? 0) > 0;
}

/** Spends the unspent code stored as one of `hashes` (its forms: recoveryCodeHashes); how many stay unused, or undefined when it was unknown or spent. */
export async function spendRecoveryCode(db: Executor, userId: string, hashes: string[]) {
  const [spent] = await db
    .update(mfaFactors)
    .set({ lastUsedAt: new Date() })
    .where(
      and(
        eq(mfaFactors.userId, userId),
        eq(mfaFactors.type, 'RECOVERY_CODE'),
        inArray(mfaFactors.secret, hashes),
        isNull(mfaFactors.lastUsedAt),
      ),
    )
    .returning({ id: mfaFactors.id });
  if (!spent) return undefined;
  const [left] = await db
    .select({ n: count() })
    .from(mfaFactors)
    .where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'RECOVERY_CODE'), isNull(mfaFactors.lastUsedAt)));
  return left?.n ?? 0;
}

export async function deleteFactor(db: Executor, userId: string, id: string) {
  const [row] = await db
    .delete(mfaFactors)
    .where(and(eq(mfaFactors.id, id), eq(mfaFactors.userId, userId), ne(mfaFactors.type, 'RECOVERY_CODE')))
    .returning();
  return row;
}

/** After the last TOTP or passkey goes, the recovery codes go too: they recover nothing. True when none is left. */
export async function dropOrphanRecoveryCodes(db: Executor, userId: string) {
  const [left] = await db
    .select({ n: count() })
    .from(mfaFactors)
    .where(and(eq(mfaFactors.userId, userId), ne(mfaFactors.type, 'RECOVERY_CODE'), isNotNull(mfaFactors.confirmedAt)));
  if ((left?.n ?? 0) > 0) return false;
  await db.delete(mfaFactors).where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'RECOVERY_CODE')));
  return true;
}

export async function deleteAllFactors(db: Executor, userId: string) {
  const rows = await db
    .delete(mfaFactors)
    .where(and(eq(mfaFactors.userId, userId), ne(mfaFactors.type, 'RECOVERY_CODE'), isNotNull(mfaFactors.confirmedAt)))
    .returning({ id: mfaFactors.id });
  await db.delete(mfaFactors).where(eq(mfaFactors.userId, userId));
  return rows.length;
}

export async function renameFactor(db: Executor, userId: string, id: string, name: string) {
  const [row] = await db
    .update(mfaFactors)
    .set({ name })
    .where(and(eq(mfaFactors.id, id), eq(mfaFactors.userId, userId), ne(mfaFactors.type, 'RECOVERY_CODE')))
    .returning();
  return row;
}

export async function findPasskey(db: Executor, credentialId: string) {
  const [row] = await db
    .select()
    .from(mfaFactors)
    .where(and(eq(mfaFactors.credentialId, credentialId), eq(mfaFactors.type, 'WEBAUTHN'), isNotNull(mfaFactors.confirmedAt)));
  return row;
}

export function passkeysOf(db: Executor, userId: string) {
  return db
    .select()
    .from(mfaFactors)
    .where(and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'WEBAUTHN'), isNotNull(mfaFactors.confirmedAt)));
}

/**
 * Records a passkey's use with its new signature counter while the counter still moves forward (0 after 0 is a synced
 * passkey's); whether it did. The update decides, not the read before it: of two assertions of a cloned authenticator
 * verified at once against the same stored counter, only the first is recorded (WebAuthn 6.1.1).
 */
export async function recordPasskeyUse(db: Executor, id: string, counter: number): Promise<boolean> {
  const stored = sql`coalesce(${mfaFactors.counter}, 0)`;
  const forward = counter === 0 ? sql`${stored} = 0` : sql`${stored} < ${counter}`;
  const recorded = await db
    .update(mfaFactors)
    .set({ counter, lastUsedAt: new Date() })
    .where(and(eq(mfaFactors.id, id), forward))
    .returning({ id: mfaFactors.id });
  return recorded.length > 0;
}

export async function insertChallenge(
  db: Executor,
  values: { userId: string | null; purpose: ChallengePurpose; tokenHash: string; data: Record<string, unknown>; expiresAt: Date },
) {
  await db.insert(mfaChallenges).values(values);
}

const live = (tokenHash: string, purpose: ChallengePurpose) =>
  and(
    eq(mfaChallenges.tokenHash, tokenHash),
    eq(mfaChallenges.purpose, purpose),
    isNull(mfaChallenges.consumedAt),
    gt(mfaChallenges.expiresAt, new Date()),
  );

export async function findChallenge(db: Executor, tokenHash: string, purpose: ChallengePurpose) {
  const [row] = await db.select().from(mfaChallenges).where(live(tokenHash, purpose));
  return row;
}

/** Spends a challenge: of two presentations at once, only one finds it unspent. */
export async function consumeChallenge(db: Executor, tokenHash: string, purpose: ChallengePurpose) {
  const [row] = await db.update(mfaChallenges).set({ consumedAt: new Date() }).where(live(tokenHash, purpose)).returning();
  return row;
}

/** Ends the sign-ins of a person waiting to enrol a first factor (their enrolment tokens). */
export async function endPendingEnrolments(db: Executor, userId: string) {
  await db
    .update(mfaChallenges)
    .set({ consumedAt: new Date() })
    .where(and(eq(mfaChallenges.userId, userId), eq(mfaChallenges.purpose, 'ENROLLMENT'), isNull(mfaChallenges.consumedAt)));
}

export async function deleteExpiredChallenges(db: Executor) {
  await db.delete(mfaChallenges).where(lt(mfaChallenges.expiresAt, new Date(Date.now() - 86_400_000)));
}
