import { and, count, eq, gt, isNotNull, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { newId } from '../../db/schema/common.js';
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

/**
 * Spends a TOTP time step: only when it is later than the last one accepted. One statement, so two nodes
 * presenting the same code at once cannot both win (the second finds the row already moved on).
 */
export async function claimStep(db: Executor, id: string, step: number) {
  const [row] = await db
    .update(mfaFactors)
    .set({ lastStep: step, lastUsedAt: new Date() })
    .where(and(eq(mfaFactors.id, id), or(isNull(mfaFactors.lastStep), lt(mfaFactors.lastStep, step))))
    .returning({ id: mfaFactors.id });
  return row !== undefined;
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

/** Spends a recovery code (by its hash); how many stay unused, or undefined when it was unknown or spent. */
export async function spendRecoveryCode(db: Executor, userId: string, hash: string) {
  const [spent] = await db
    .update(mfaFactors)
    .set({ lastUsedAt: new Date() })
    .where(
      and(eq(mfaFactors.userId, userId), eq(mfaFactors.type, 'RECOVERY_CODE'), eq(mfaFactors.secret, hash), isNull(mfaFactors.lastUsedAt)),
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

export async function recordPasskeyUse(db: Executor, id: string, counter: number) {
  await db.update(mfaFactors).set({ counter, lastUsedAt: new Date() }).where(eq(mfaFactors.id, id));
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

/** A waiting sign-in's challenge as POST /auth/mfa/verify spends it, with the person's TOTP factors when asked for. */
export interface SpentSecondStep {
  userId: string | null;
  data: Record<string, unknown>;
  totps: Pick<FactorRow, 'id' | 'secret'>[];
  /** The person as the users module's JSON form (`users.asJson`), null when the account is gone. */
  person: Record<string, unknown> | null;
}

/**
 * Spends a waiting sign-in's challenge and reads, in the same statement (one round trip), its person (`person`,
 * the users module's fragment) and their confirmed TOTP factors when `withTotps` (the answer is a code): of two
 * presentations at once only one finds the challenge unspent, and a wrong answer's rollback gives it back.
 */
export async function spendSecondStep(
  db: Executor,
  tokenHash: string,
  withTotps: boolean,
  person: (userId: SQL) => SQL,
): Promise<SpentSecondStep | undefined> {
  const now = new Date().toISOString();
  const [row] = await queryRows<SpentSecondStep>(
    db,
    sql`WITH spent AS (
      UPDATE ${mfaChallenges} SET consumed_at = ${now}::timestamptz
      WHERE ${mfaChallenges.tokenHash} = ${tokenHash} AND ${mfaChallenges.purpose} = ${'SECOND_FACTOR' satisfies ChallengePurpose}
        AND ${mfaChallenges.consumedAt} IS NULL AND ${mfaChallenges.expiresAt} > ${now}::timestamptz
      RETURNING ${mfaChallenges.userId} AS user_id, ${mfaChallenges.data} AS data
    )
    SELECT spent.user_id AS "userId", spent.data, ${person(sql`spent.user_id`)} AS person,
      COALESCE((SELECT json_agg(json_build_object('id', f.id, 'secret', f.secret) ORDER BY f.created_at) FROM ${mfaFactors} f
        WHERE ${withTotps}::boolean AND f.user_id = spent.user_id AND f.type = 'TOTP' AND f.confirmed_at IS NOT NULL), '[]'::json) AS totps
    FROM spent`,
  );
  return row;
}

export async function mergeChallengeData(db: Executor, id: string, data: Record<string, unknown>) {
  await db
    .update(mfaChallenges)
    .set({ data: sql`${mfaChallenges.data} || ${JSON.stringify(data)}::jsonb` })
    .where(eq(mfaChallenges.id, id));
}

/**
 * A new continuation of a sign-in, which ends the person's open ones of the same purpose: one statement (one
 * round trip on the sign-in's hot path), the update not seeing the row its own statement inserts.
 */
export async function replaceChallenges(
  db: Executor,
  values: { userId: string; purpose: ChallengePurpose; tokenHash: string; data: Record<string, unknown>; expiresAt: Date },
) {
  const { userId, purpose, tokenHash, data, expiresAt } = values;
  await db.execute(sql`WITH expired AS (
      UPDATE ${mfaChallenges} SET consumed_at = ${new Date().toISOString()}::timestamptz
      WHERE ${mfaChallenges.userId} = ${userId} AND ${mfaChallenges.purpose} = ${purpose} AND ${mfaChallenges.consumedAt} IS NULL
    )
    INSERT INTO ${mfaChallenges} (id, user_id, purpose, token_hash, data, expires_at)
    VALUES (${newId()}, ${userId}, ${purpose}, ${tokenHash}, ${JSON.stringify(data)}::jsonb, ${expiresAt.toISOString()}::timestamptz)`);
}

export async function deleteExpiredChallenges(db: Executor) {
  await db.delete(mfaChallenges).where(lt(mfaChallenges.expiresAt, new Date(Date.now() - 86_400_000)));
}
