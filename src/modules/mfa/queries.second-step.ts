import { and, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { param, preparedOnce } from '../../db/prepared.js';
import { newId } from '../../db/schema/common.js';
import { mfaChallenges, mfaFactors } from '../../db/schema/index.js';
import type { StatementAudit } from '../../platform/use-case.js';
import type { ChallengePurpose, FactorKind, FactorRow } from './queries.js';

/** The second step's statements: a sign-in's read of the person's factors, and the spend of its mfaToken. */

/** What a sign-in asks its second step of: the kinds of factor a person has, and their TOTP factors as stored. */
export interface SignInFactors {
  kinds: FactorKind[];
  totps: Pick<FactorRow, 'id' | 'secret'>[];
}

/**
 * `activeKinds` and the confirmed TOTP factors (id, secret at rest) in one statement: a sign-in's one read of
 * them. With `asked`, the same statement writes that audit row (a sign-in stopped for its second factor) when
 * the person has a factor other than recovery codes.
 */
export async function signInFactors(db: Executor, userId: string, asked?: StatementAudit): Promise<SignInFactors> {
  const rows = asked ? await askingStatement(asked)(db, { userId, ...asked.values }) : await signInFactorsStatement(db, { userId });
  return { kinds: rows.map((row) => row.kind), totps: rows.flatMap((row) => row.totps ?? []) };
}

type SignInFactorRow = { kind: FactorKind; totps: SignInFactors['totps'] | null };

const heldFactors = () => sql`SELECT ${mfaFactors.type} AS kind,
    json_agg(json_build_object('id', ${mfaFactors.id}, 'secret', ${mfaFactors.secret}) ORDER BY ${mfaFactors.createdAt})
      FILTER (WHERE ${mfaFactors.type} = 'TOTP') AS totps
  FROM ${mfaFactors}
  WHERE ${mfaFactors.userId} = ${param('userId')} AND ${mfaFactors.confirmedAt} IS NOT NULL
    AND (${mfaFactors.type} <> 'RECOVERY_CODE' OR ${mfaFactors.lastUsedAt} IS NULL)
  GROUP BY ${mfaFactors.type}`;

const signInFactorsStatement = preparedOnce<SignInFactorRow>('mfa_sign_in_factors', heldFactors);

let askingStatementOnce: ReturnType<typeof preparedOnce<SignInFactorRow>> | undefined;
const askingStatement = (asked: StatementAudit) => {
  askingStatementOnce ??= preparedOnce<SignInFactorRow>('mfa_sign_in_factors_asking', () => {
    const factor = sql`(SELECT 1 FROM held WHERE held.kind <> 'RECOVERY_CODE' LIMIT 1) AS factor`;
    return sql`WITH held AS (${heldFactors()}), asked AS (${asked.insertFrom(factor)}) SELECT kind, totps FROM held`;
  });
  return askingStatementOnce;
};

/** A waiting sign-in's mfaToken as POST /auth/mfa/verify spends it (its `jti`'s digest, its person and end). */
export interface SecondStepSpend {
  tokenHash: string;
  userId: string;
  expiresAt: Date;
  /** The TOTP time step the code belongs to, claimed in the same statement. */
  claim?: { factorId: string; step: number };
}

/** What the spend found: the person (the users module's JSON form, null once the account is gone) and what it changed. */
export interface SpentSecondStep {
  person: Record<string, unknown> | null;
  /** False when the token was spent before (or the account is gone): nothing was written. */
  spent: boolean;
  /** False when the time step was not later than the factor's last one (or the factor is gone). */
  claimed: boolean;
  /** The passkey challenge POST /auth/mfa/webauthn/options kept for this token, if any. */
  webauthnChallenge: string | null;
}

/**
 * Spends a waiting sign-in's mfaToken, records it spent (a row under its jti's digest: of two presentations at
 * once only one inserts or claims it, the other waits and finds it spent) and, for a TOTP code, claims its time
 * step, with the person read (`person`, the users module's fragment): one statement, one round trip. A wrong
 * answer's rollback gives the token back.
 */
export async function spendSecondStep(db: Executor, spend: SecondStepSpend, person: (userId: SQL) => SQL): Promise<SpentSecondStep> {
  const { tokenHash, userId, expiresAt, claim } = spend;
  const statement = spendStatement(claim !== undefined, person);
  const [row] = await statement(db, {
    id: newId(),
    tokenHash,
    userId,
    expiresAt: expiresAt.toISOString(),
    now: new Date().toISOString(),
    factorId: claim?.factorId ?? null,
    step: claim?.step ?? null,
  });
  return row ?? { person: null, spent: false, claimed: false, webauthnChallenge: null };
}

const spendStatements = new Map<boolean, ReturnType<typeof preparedOnce<SpentSecondStep>>>();

/** The spend rendered once per form (with a time step to claim, or not), then prepared per connection. */
function spendStatement(withClaim: boolean, person: (userId: SQL) => SQL) {
  let statement = spendStatements.get(withClaim);
  if (statement) return statement;
  const now = sql`${param('now')}::timestamptz`;
  const userId = sql`${param('userId')}::uuid`;
  const step = sql`${param('step')}::bigint`;
  const claimed = withClaim
    ? sql`UPDATE ${mfaFactors} SET last_step = ${step}, last_used_at = ${now}
        WHERE ${mfaFactors.id} = ${param('factorId')}::uuid AND ${mfaFactors.userId} = ${userId} AND ${mfaFactors.type} = 'TOTP'
          AND ${mfaFactors.confirmedAt} IS NOT NULL AND (${mfaFactors.lastStep} IS NULL OR ${mfaFactors.lastStep} < ${step})
          AND EXISTS (SELECT 1 FROM spent)
        RETURNING ${mfaFactors.id}`
    : sql`SELECT NULL::uuid AS id WHERE false`;
  statement = preparedOnce<SpentSecondStep>(withClaim ? 'mfa_spend_second_step_totp' : 'mfa_spend_second_step', () => {
    return sql`WITH who AS (SELECT ${person(userId)} AS person),
    spent AS (
      INSERT INTO ${mfaChallenges} (id, user_id, purpose, token_hash, data, expires_at, consumed_at)
      SELECT ${param('id')}::uuid, ${userId}, ${'SECOND_FACTOR' satisfies ChallengePurpose}, ${param('tokenHash')}::varchar, '{}'::jsonb,
        ${param('expiresAt')}::timestamptz, ${now}
      FROM who WHERE who.person IS NOT NULL
      ON CONFLICT (token_hash) DO UPDATE SET consumed_at = EXCLUDED.consumed_at
        WHERE ${mfaChallenges.consumedAt} IS NULL AND ${mfaChallenges.userId} = EXCLUDED.user_id
      RETURNING ${mfaChallenges.data} AS data
    ), claimed AS (${claimed})
    SELECT who.person, EXISTS (SELECT 1 FROM spent) AS spent, EXISTS (SELECT 1 FROM claimed) AS claimed,
      (SELECT data->>'webauthnChallenge' FROM spent) AS "webauthnChallenge"
    FROM who`;
  });
  spendStatements.set(withClaim, statement);
  return statement;
}

/** Whether a waiting sign-in's mfaToken (its jti's digest) was spent. */
export async function isSpent(db: Executor, tokenHash: string) {
  const [row] = await db
    .select({ id: mfaChallenges.id })
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.tokenHash, tokenHash), isNotNull(mfaChallenges.consumedAt)));
  return row !== undefined;
}

/**
 * Keeps the passkey challenge of a waiting sign-in under its mfaToken's jti digest, until the token's end: the
 * row its spend later marks spent. A token already spent keeps what it had.
 */
export async function keepWebauthnChallenge(
  db: Executor,
  values: { tokenHash: string; userId: string; expiresAt: Date; challenge: string },
) {
  await db
    .insert(mfaChallenges)
    .values({
      userId: values.userId,
      purpose: 'SECOND_FACTOR',
      tokenHash: values.tokenHash,
      data: { webauthnChallenge: values.challenge },
      expiresAt: values.expiresAt,
    })
    .onConflictDoUpdate({
      target: mfaChallenges.tokenHash,
      set: { data: { webauthnChallenge: values.challenge } },
      setWhere: and(isNull(mfaChallenges.consumedAt), eq(mfaChallenges.userId, values.userId)),
    });
}
