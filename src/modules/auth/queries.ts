import { type AnyColumn, and, eq, gt, inArray, isNull, ne, notInArray, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../db/client.js';
import { pageById } from '../../db/pages.js';
import { rowsPerUtcDay } from '../../db/per-day.js';
import { param, preparedOnce } from '../../db/prepared.js';
import { newId } from '../../db/schema/common.js';
import { apiKeys, oneTimeTokens, refreshTokens, sessions } from '../../db/schema/index.js';

export type SessionRow = typeof sessions.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type OneTimePurpose = (typeof oneTimeTokens.$inferInsert)['purpose'];

/** The addresses a user's sessions since `since` were started from with this user agent (a device's recent sources). */
export async function sessionSourcesOf(db: Executor, userId: string, from: { userAgent: string; since: Date }) {
  const rows = await db
    .selectDistinct({ ipAddress: sessions.ipAddress })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.userAgent, from.userAgent), gt(sessions.createdAt, from.since)))
    .limit(100);
  return rows.flatMap((row) => (row.ipAddress ? [row.ipAddress] : []));
}

export async function insertSession(db: Executor, values: typeof sessions.$inferInsert) {
  const [row] = await db.insert(sessions).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** What a move into an organization needs: the session, its user and the organization. */
export interface SessionMove {
  sessionId: string;
  userId: string;
  organizationId: string;
}

/** The organizations module's condition on a session's user: an active member of the organization. */
export type MembershipCondition = (organizationId: Placeholder) => (userId: AnyColumn) => SQL;

const now = sql`${param('now')}::timestamptz`;

let moveStatement: ReturnType<typeof preparedOnce<{ member: boolean | null; moved: boolean }>> | undefined;

/**
 * A live session of the user moves to another organization, in one statement that checks `isMember` (always
 * the same condition: it is rendered and prepared once, like the rotation, as planning it costs more than
 * running it). It locks the session's row until the commit: switches of one session queue on it, so the use
 * case runs it last but `spendRefreshTokens`. `member` false: not an active member (nothing written), null: no
 * such session of the user; `moved` false: nothing moved (not a member, or the session not live).
 */
export async function moveSession(db: Executor, isMember: MembershipCondition, move: SessionMove) {
  moveStatement ??= preparedOnce('move_session', () => {
    const target = sql`SELECT ${sessions.id} AS id, ${isMember(param('organizationId'))(sessions.userId)} AS member FROM ${sessions}
      WHERE ${sessions.id} = ${param('sessionId')} AND ${sessions.userId} = ${param('userId')}`;
    return sql`WITH target AS (${target}), moved AS (
        UPDATE ${sessions} SET organization_id = ${param('organizationId')}::uuid, last_used_at = ${now}
        FROM target
        WHERE ${sessions.id} = target.id AND target.member AND ${sessions.revokedAt} IS NULL
          AND ${sessions.expiresAt} > ${now} AND ${sessions.idleExpiresAt} > ${now}
        RETURNING ${sessions.id}
      )
      SELECT (SELECT member FROM target) AS member, EXISTS (SELECT 1 FROM moved) AS moved`;
  });
  const [row] = await moveStatement(db, { ...move, now: new Date().toISOString() });
  return { member: row?.member ?? null, moved: row?.moved === true };
}

let switchStatement: ReturnType<typeof preparedOnce<{ member: boolean | null; live: boolean | null; moved: boolean }>> | undefined;

/** The outcome of `switchSession`: `raced` when the session's row changed after the statement's snapshot. */
export type SwitchOutcome = 'moved' | 'not_member' | 'ended' | 'raced';

/**
 * POST /auth/switch-organization as one statement, its own transaction: the membership checked, the session
 * moved, its unspent refresh tokens spent, the next one added and the audit row written (`auditRowFrom`, from
 * the moved row: only when it moved). The statement reads one snapshot: a switch or refresh of the same session
 * committed after it was taken would leave its new token unseen and unspent, so the move only takes the row as
 * the snapshot saw it (its xmin unchanged once locked) and answers `raced` otherwise, nothing written: the
 * caller then moves it by the locking transaction (`moveSession`, `spendRefreshTokens`), which sees that token.
 */
export async function switchSession(
  db: Executor,
  isMember: MembershipCondition,
  auditRowFrom: (source: SQL) => SQL,
  values: SessionMove & { nextTokenHash: string; audit: Record<string, unknown> },
): Promise<SwitchOutcome> {
  switchStatement ??= preparedOnce('switch_session', () => {
    const live = sql`${sessions.revokedAt} IS NULL AND ${sessions.expiresAt} > ${now} AND ${sessions.idleExpiresAt} > ${now}`;
    return sql`WITH target AS (
        SELECT ${sessions.id} AS id, ${sessions}.xmin AS version, ${isMember(param('organizationId'))(sessions.userId)} AS member,
          ${live} AS live
        FROM ${sessions} WHERE ${sessions.id} = ${param('sessionId')} AND ${sessions.userId} = ${param('userId')}
      ), moved AS (
        UPDATE ${sessions} SET organization_id = ${param('organizationId')}::uuid, last_used_at = ${now}
        FROM target
        WHERE ${sessions.id} = target.id AND target.member AND ${live} AND ${sessions}.xmin = target.version
        RETURNING ${sessions.id}
      ), spent AS (
        UPDATE ${refreshTokens} SET used_at = ${now} FROM moved
        WHERE ${refreshTokens.sessionId} = moved.id AND ${refreshTokens.usedAt} IS NULL
      ), next AS (
        INSERT INTO ${refreshTokens} (id, session_id, token_hash) SELECT ${param('tokenId')}::uuid, moved.id, ${param('nextTokenHash')} FROM moved
      ), audited AS (${auditRowFrom(sql`moved`)})
      SELECT (SELECT member FROM target) AS member, (SELECT live FROM target) AS live, EXISTS (SELECT 1 FROM moved) AS moved`;
  });
  const { audit, ...move } = values;
  const [row] = await switchStatement(db, { ...move, ...audit, tokenId: newId(), now: new Date().toISOString() });
  if (row?.moved) return 'moved';
  if (row?.member === false) return 'not_member';
  // Not moved though a member of a session the snapshot saw live: the row changed after the snapshot.
  return row?.member && row.live ? 'raced' : 'ended';
}

const spendKeeping = preparedOnce('spend_refresh_tokens_keeping', () => {
  return sql`UPDATE ${refreshTokens} SET used_at = ${now}
    WHERE ${refreshTokens.sessionId} = ${param('sessionId')} AND ${refreshTokens.usedAt} IS NULL
      AND ${refreshTokens.tokenHash} <> ${param('keepTokenHash')}`;
});

const spendAndAdd = preparedOnce('spend_refresh_tokens_adding', () => {
  return sql`WITH spent AS (
      UPDATE ${refreshTokens} SET used_at = ${now}
      WHERE ${refreshTokens.sessionId} = ${param('sessionId')} AND ${refreshTokens.usedAt} IS NULL
    )
    INSERT INTO ${refreshTokens} (id, session_id, token_hash) VALUES (${param('tokenId')}::uuid, ${param('sessionId')}, ${param('nextTokenHash')})`;
});

/**
 * A moved session's unspent refresh tokens are spent, so the pair answered with the move is the family's only
 * way on: the next one is added in the same statement (it does not see its own insert), or a browser session
 * keeps its cookie's token, which names the session and is never rotated. Run after the move, in its
 * transaction: holding the session's row, it sees the tokens of a switch of the same session committed just before.
 */
export async function spendRefreshTokens(db: Executor, sessionId: string, next: { keepTokenHash: string } | { nextTokenHash: string }) {
  const values = { sessionId, now: new Date().toISOString() };
  if ('keepTokenHash' in next) await spendKeeping(db, { ...values, keepTokenHash: next.keepTokenHash });
  else await spendAndAdd(db, { ...values, tokenId: newId(), nextTokenHash: next.nextTokenHash });
}

export async function insertRefreshToken(db: Executor, sessionId: string, tokenHash: string) {
  await db.insert(refreshTokens).values({ sessionId, tokenHash });
}

/**
 * A refresh in one statement, which is its own transaction: spends the token, extends its session's idle
 * expiry (never past the session's end) and adds the next token, only when the token is unspent, its
 * session live at `now` and an API client's (a browser session's token is its cookie, which no client holds),
 * and its user one who may hold a session (sign-in.ts's mayHoldSession, in SQL).
 * The database decides which of several concurrent presentations wins: only one update finds used_at
 * null. The session and user are checked in a subquery run for the token's row only: as a join, the
 * planner may start from the user (before statistics exist, a fresh database's) and scan all their sessions.
 */
const ROTATE_REFRESH_TOKEN = `with consumed as (
    update refresh_tokens set used_at = $2::timestamptz
    where refresh_tokens.token_hash = $1 and refresh_tokens.used_at is null
      and (select sessions.revoked_at is null and not sessions.browser
             and sessions.expires_at > $2::timestamptz and sessions.idle_expires_at > $2::timestamptz
             and users.status = 'ACTIVE' and (users.email_verified_at is not null or not $3::boolean)
           from sessions join users on users.id = sessions.user_id
           where sessions.id = refresh_tokens.session_id)
    returning refresh_tokens.session_id
  ), touched as (
    update sessions set last_used_at = $2::timestamptz, idle_expires_at = least($4::timestamptz, sessions.expires_at)
    from consumed
    where sessions.id = consumed.session_id and sessions.revoked_at is null
    returning sessions.id, sessions.user_id, sessions.organization_id, sessions.amr, sessions.created_at
  ), next as (
    insert into refresh_tokens (id, session_id, token_hash) select $5::uuid, id, $6 from touched
  )
  select id as "sessionId", user_id as "userId", organization_id as "organizationId", amr, created_at as "createdAt" from touched`;

/**
 * No row back: the token is unknown or spent, its session over or its user refused, and nothing was
 * written. A named statement, prepared once per connection: planning this one cost PostgreSQL more
 * than running it (measured: 470 µs of database CPU per refresh unprepared, 210 prepared).
 */
export async function rotateRefreshToken(
  db: Executor,
  spent: { tokenHash: string; nextHash: string; now: Date; idleUntil: Date; requireVerifiedEmail: boolean },
) {
  const params = [
    spent.tokenHash,
    spent.now.toISOString(),
    spent.requireVerifiedEmail,
    spent.idleUntil.toISOString(),
    newId(),
    spent.nextHash,
  ];
  const statement = db._.session.prepareQuery({ sql: ROTATE_REFRESH_TOKEN, params }, undefined, 'rotate_refresh_token', false);
  const [row] = rowsOf<{
    sessionId: string;
    userId: string;
    organizationId: string | null;
    amr: string[] | null;
    createdAt: Date | string;
  }>(await statement.execute());
  return row && { ...row, createdAt: new Date(row.createdAt) };
}

export async function findRefreshToken(db: Executor, tokenHash: string) {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
  return row;
}

export async function findSession(db: Executor, sessionId: string) {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
  return row;
}

/** The moment a session ends unless it is used meanwhile: its absolute expiry, or its idle one when sooner. */
export const sessionEnd = (session: Pick<SessionRow, 'expiresAt' | 'idleExpiresAt'>) =>
  new Date(Math.min(session.idleExpiresAt.getTime(), session.expiresAt.getTime()));

export const isSessionLive = (session: SessionRow, now = new Date()) => !session.revokedAt && sessionEnd(session) > now;

export async function revokeSession(db: Executor, sessionId: string, reason: string) {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** Ends the live sessions of a user (all but one, when given); answers the ids of those it ended. */
export async function endUserSessions(db: Executor, userId: string, reason: string, exceptSessionId?: string) {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), exceptSessionId ? ne(sessions.id, exceptSessionId) : undefined))
    .returning({ id: sessions.id });
  return rows.map((row) => row.id);
}

/** Ends the live impersonation sessions an administrator opened (each is their customer's); answers the ids it ended. */
export async function endImpersonationsBy(db: Executor, impersonatorId: string, reason: string) {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.impersonatorId, impersonatorId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.map((row) => row.id);
}

/** Ends the live sessions of a user (all but one, when given); answers how many it ended. */
export async function revokeUserSessions(db: Executor, userId: string, reason: string, exceptSessionId?: string) {
  return (await endUserSessions(db, userId, reason, exceptSessionId)).length;
}

/** Live sessions of a user, newest first, `take` of them made before the session `before`. */
export function listLiveSessions(db: Executor, userId: string, take: number, before?: string) {
  const now = new Date();
  const live = and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), gt(sessions.idleExpiresAt, now));
  return pageById(db, sessions, { where: live, order: 'newest', after: before, take });
}

export async function insertOneTimeToken(
  db: Executor,
  values: { userId: string; purpose: OneTimePurpose; tokenHash: string; expiresAt: Date; data?: unknown },
) {
  await db.insert(oneTimeTokens).values(values);
}

/** A link that can still act: this hash, one of these purposes, neither used nor expired. */
const usableToken = (tokenHash: string, purposes: OneTimePurpose[]) =>
  and(
    eq(oneTimeTokens.tokenHash, tokenHash),
    inArray(oneTimeTokens.purpose, purposes),
    isNull(oneTimeTokens.consumedAt),
    gt(oneTimeTokens.expiresAt, new Date()),
  );
const tokenOwner = { userId: oneTimeTokens.userId, purpose: oneTimeTokens.purpose, data: oneTimeTokens.data };

/** Single use under concurrency: the first UPDATE to match takes the token, every other finds nothing. */
export async function consumeOneTimeToken(db: Executor, tokenHash: string, purposes: OneTimePurpose[]) {
  const [row] = await db
    .update(oneTimeTokens)
    .set({ consumedAt: new Date() })
    .where(usableToken(tokenHash, purposes))
    .returning(tokenOwner);
  return row;
}

/** A link as `consumeOneTimeToken` would take it now, left in use: to show its page only while it can still act. */
export async function findUsableOneTimeToken(db: Executor, tokenHash: string, purposes: OneTimePurpose[]) {
  const [row] = await db.select(tokenOwner).from(oneTimeTokens).where(usableToken(tokenHash, purposes));
  return row;
}

/** A new link replaces the old ones of the same purpose. */
export async function expireOneTimeTokens(db: Executor, userId: string, purpose: OneTimePurpose) {
  await db
    .update(oneTimeTokens)
    .set({ consumedAt: new Date() })
    .where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.consumedAt)));
}

/** Takes every usable link of the user out of use but those of the purposes kept. */
export async function expireOneTimeTokensBut(db: Executor, userId: string, kept: readonly OneTimePurpose[]) {
  await db
    .update(oneTimeTokens)
    .set({ consumedAt: new Date() })
    .where(and(eq(oneTimeTokens.userId, userId), notInArray(oneTimeTokens.purpose, [...kept]), isNull(oneTimeTokens.consumedAt)));
}

export async function insertApiKey(db: Executor, values: typeof apiKeys.$inferInsert) {
  const [row] = await db.insert(apiKeys).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Live keys of a user, newest first, `take` of them made before the key `before`. */
export const listApiKeys = (db: Executor, userId: string, take: number, before?: string) =>
  pageById(db, apiKeys, { where: and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)), order: 'newest', after: before, take });

/** Revokes a live key of the user and every key it made, and theirs; true when the key was live. */
export async function revokeApiKey(db: Executor, userId: string, id: string) {
  const family = sql`(WITH RECURSIVE family AS (
      SELECT ${apiKeys.id} AS id FROM ${apiKeys} WHERE ${apiKeys.id} = ${id} AND ${apiKeys.userId} = ${userId} AND ${apiKeys.revokedAt} IS NULL
      UNION
      SELECT child.id FROM ${apiKeys} child JOIN family ON child.created_by_key_id = family.id
    ) SELECT id FROM family)`;
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(inArray(apiKeys.id, family), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.some((row) => row.id === id);
}

/** Revokes every live key of the user; the ids of those revoked. */
export async function revokeApiKeysOfUser(db: Executor, userId: string) {
  return db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
}

/** A key that is neither revoked nor expired; whether its owner may still act is the caller's to check. */
export async function findUsableApiKey(db: Executor, keyHash: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, new Date()))))
    .limit(1);
  return row;
}

export async function touchApiKey(db: Executor, id: string) {
  await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, id));
}

/**
 * A user's sessions and API keys for their GDPR export: never a token or key hash. An administrator confined to an
 * organization gets the sessions acting in it or in none, not where and when the person signed in to another.
 */
export const exportParts = {
  sessions: (db: Executor, userId: string, within?: string) =>
    db
      .select({
        id: sessions.id,
        organizationId: sessions.organizationId,
        ipAddress: sessions.ipAddress,
        userAgent: sessions.userAgent,
        createdAt: sessions.createdAt,
        lastUsedAt: sessions.lastUsedAt,
        revokedAt: sessions.revokedAt,
      })
      .from(sessions)
      .where(
        and(
          eq(sessions.userId, userId),
          within === undefined ? undefined : or(isNull(sessions.organizationId), eq(sessions.organizationId, within)),
        ),
      ),
  apiKeys: (db: Executor, userId: string) =>
    db
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        prefix: apiKeys.prefix,
        scopes: apiKeys.scopes,
        createdAt: apiKeys.createdAt,
        lastUsedAt: apiKeys.lastUsedAt,
        revokedAt: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.userId, userId)),
};

/**
 * The live session a browser's cookie names: the cookie holds the first refresh token of a session the hosted
 * pages began (a browser session), never rotated (a browser does not refresh), so an unspent token of a live
 * browser session of a user who may hold one. An API client's refresh token names no browser session: taken to
 * the pages, it would open them, and begin new sessions through them, without ever being spent.
 */
export async function findBrowserSession(db: Executor, tokenHash: string, now: Date, requireVerifiedEmail: boolean) {
  const rows = rowsOf<{
    sessionId: string;
    userId: string;
    organizationId: string | null;
    createdAt: Date | string;
    amr: string[] | null;
    lastUsedAt: Date | string;
  }>(
    await db.execute(sql`select s.id as "sessionId", s.user_id as "userId", s.organization_id as "organizationId", s.created_at as "createdAt", s.amr, s.last_used_at as "lastUsedAt"
      from refresh_tokens t join sessions s on s.id = t.session_id join users u on u.id = s.user_id
      where t.token_hash = ${tokenHash} and t.used_at is null and s.browser and s.revoked_at is null
        and s.expires_at > ${now.toISOString()}::timestamptz and s.idle_expires_at > ${now.toISOString()}::timestamptz
        and u.status = 'ACTIVE' and (u.email_verified_at is not null or not ${requireVerifiedEmail}::boolean)
      limit 1`),
  );
  return rows[0];
}

/** A browser session was used: its idle expiry moves on (never past its end). */
export async function touchSession(db: Executor, sessionId: string, now: Date, idleUntil: Date) {
  await db
    .update(sessions)
    .set({ lastUsedAt: now, idleExpiresAt: sql`least(${idleUntil.toISOString()}::timestamptz, ${sessions.expiresAt})` })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** The overview's sign-ins per day (UTC): sessions started, support's impersonations left out. */
export async function signInsPerDay(db: Executor, organizationId: string | undefined, since: Date) {
  return rowsPerUtcDay(
    db,
    sessions,
    sessions.createdAt,
    and(
      sql`${sessions.createdAt} >= ${since}`,
      isNull(sessions.impersonatorId),
      organizationId ? eq(sessions.organizationId, organizationId) : undefined,
    ),
  );
}
