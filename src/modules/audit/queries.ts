import { and, arrayOverlaps, asc, count, desc, eq, gt, gte, isNotNull, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { insertMany } from '../../db/bulk.js';
import type { Executor } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { eachGivenEquals, inRange } from '../../db/filters.js';
import { pageById } from '../../db/pages.js';
import { rowsPerUtcDay } from '../../db/per-day.js';
import { auditLogs } from '../../db/schema/index.js';
import { ERASED_PAYLOAD } from './chain.js';

export type AuditRow = typeof auditLogs.$inferSelect;

// Any constant works; it only has to be the same on every node, so that one sealer at a time extends the chain.
const SEALER_LOCK = 5_112_730_044;

/** True when this transaction is now the one sealer; false when another node's sealer holds the chain. */
export async function trySealerLock(tx: Executor): Promise<boolean> {
  const [row] = await queryRows<{ locked: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${SEALER_LOCK}) AS locked`);
  return row?.locked === true;
}

export async function insertAuditRows(db: Executor, rows: (typeof auditLogs.$inferInsert)[]) {
  await insertMany(db, auditLogs, rows);
}

const auditParam = (name: string, type: string) => sql`${sql.placeholder(`audit_${name}`)}::${sql.raw(type)}`;

/**
 * The audit row of a use case that is one statement, as one of its data-modifying CTEs: written once for
 * each row `source` (a CTE of the statement) yields, so only when the change itself was made. Its values are
 * placeholders named `audit_<field>` (the statement is rendered and prepared once), filled by `auditValues`.
 */
export const auditRowFrom = (source: SQL) => sql`INSERT INTO ${auditLogs}
    (actor_id, organization_id, action, entity, entity_id, payload, payload_digest, subjects, ip_address, user_agent, request_id,
     created_at)
  SELECT ${auditParam('actorId', 'uuid')}, ${auditParam('organizationId', 'uuid')}, ${auditParam('action', 'varchar')},
    ${auditParam('entity', 'varchar')}, ${auditParam('entityId', 'varchar')}, ${auditParam('payload', 'jsonb')},
    ${auditParam('payloadDigest', 'varchar')}, ${auditParam('subjects', 'varchar[]')},
    ${auditParam('ipAddress', 'varchar')}, ${auditParam('userAgent', 'text')}, ${auditParam('requestId', 'varchar')},
    ${auditParam('createdAt', 'timestamptz')}
  FROM ${source}`;

/** The placeholders' values of `auditRowFrom` for one row. */
export const auditValues = (row: typeof auditLogs.$inferInsert) => ({
  audit_actorId: row.actorId ?? null,
  audit_organizationId: row.organizationId ?? null,
  audit_action: row.action,
  audit_entity: row.entity,
  audit_entityId: row.entityId ?? null,
  audit_payload: row.payload === null || row.payload === undefined ? null : JSON.stringify(row.payload),
  audit_payloadDigest: row.payloadDigest ?? null,
  // An array literal: digests are hex, nothing in them needs quoting.
  audit_subjects: row.subjects ? `{${row.subjects.join(',')}}` : null,
  audit_ipAddress: row.ipAddress ?? null,
  audit_userAgent: row.userAgent ?? null,
  audit_requestId: row.requestId ?? null,
  audit_createdAt: (row.createdAt ?? new Date()).toISOString(),
});

/** The last sealed row: the chain goes on from its seq and hash. */
export async function chainTail(db: Executor) {
  const [row] = await db
    .select({ seq: auditLogs.seq, hash: auditLogs.hash })
    .from(auditLogs)
    .where(isNotNull(auditLogs.seq))
    .orderBy(desc(auditLogs.seq))
    .limit(1);
  return row;
}

/** Committed rows waiting for the sealer, oldest id first. */
export const unsealedRows = (db: Executor, limit: number) =>
  db.select().from(auditLogs).where(isNull(auditLogs.seq)).orderBy(asc(auditLogs.id)).limit(limit);

export interface Seal {
  id: number;
  seq: number;
  prevHash: string;
  hash: string;
  clientDigest: string;
}

/** One statement for a whole batch; `seq IS NULL` keeps a sealed row from ever being sealed again. */
export async function sealRows(tx: Executor, seals: Seal[]) {
  if (seals.length === 0) return;
  await tx.execute(sql`
    UPDATE audit_logs AS a SET seq = s.seq, prev_hash = s."prevHash", hash = s.hash, client_digest = s."clientDigest"
    FROM json_to_recordset(${JSON.stringify(seals)}::json)
      AS s(id bigint, seq bigint, "prevHash" varchar, hash varchar, "clientDigest" varchar)
    WHERE a.id = s.id AND a.seq IS NULL`);
}

/** Sealed rows in chain order, after `afterSeq`. */
export const sealedRowsAfter = (db: Executor, afterSeq: number, limit: number) =>
  db.select().from(auditLogs).where(gt(auditLogs.seq, afterSeq)).orderBy(asc(auditLogs.seq)).limit(limit);

export async function countUnsealed(db: Executor): Promise<number> {
  const [row] = await db.select({ count: count() }).from(auditLogs).where(isNull(auditLogs.seq));
  return row?.count ?? 0;
}

/** The action of an erasure's own row, whose payload says how many rows each part erased (`erasedRows`). */
const ERASURE_ACTION = 'user.erased';
/** The audit trail's part of an erasure: the name its count goes under in `erasedRows`. */
export const ERASURE_PART = 'auditTrail';

/**
 * The person's rows as the user they were (their sign-up, their changes of address …): the subjects those rows
 * name are addresses the person has had.
 */
export async function subjectsOfUser(tx: Executor, userId: string): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ subject: sql<string>`unnest(${auditLogs.subjects})` })
    .from(auditLogs)
    .where(and(eq(auditLogs.entity, 'user'), eq(auditLogs.entityId, userId)));
  return rows.map((row) => row.subject);
}

/**
 * Erases what the trail holds of the person, sealed or not: the payload of every row they did or that names them
 * (by id or any of their addresses: `subjects`) becomes `erased`, and the IP address and user agent of every row
 * their own request wrote (they were signed in as its actor, or nobody was and it names them: their sign-up, their
 * failed sign-ins) are emptied. Such a row forgets its subjects; hash, digests and link stay. What is already erased
 * or empty is left, and so are erasures' own rows (`user.erased`): they name nobody, and verification counts on what
 * they say. Returns how many rows it erased.
 */
export async function eraseRowsOf(tx: Executor, person: { userId: string; subjects: string[] }) {
  const now = new Date();
  const names = arrayOverlaps(auditLogs.subjects, person.subjects);
  const payloadToErase = and(
    isNull(auditLogs.payloadErasedAt),
    isNotNull(auditLogs.payload),
    or(eq(auditLogs.actorId, person.userId), names),
  ) as SQL;
  const clientToErase = and(
    isNull(auditLogs.clientErasedAt),
    or(isNotNull(auditLogs.ipAddress), isNotNull(auditLogs.userAgent)),
    or(eq(auditLogs.actorId, person.userId), and(isNull(auditLogs.actorId), names)),
  ) as SQL;
  const erasedWhen = (condition: SQL, erased: SQL | null, column: AnyPgColumn) =>
    sql`CASE WHEN ${condition} THEN ${erased} ELSE ${column} END`;
  const rows = await tx
    .update(auditLogs)
    .set({
      payload: erasedWhen(payloadToErase, sql`${JSON.stringify(ERASED_PAYLOAD)}::jsonb`, auditLogs.payload),
      payloadErasedAt: erasedWhen(payloadToErase, sql`${now.toISOString()}::timestamptz`, auditLogs.payloadErasedAt),
      ipAddress: erasedWhen(clientToErase, null, auditLogs.ipAddress),
      userAgent: erasedWhen(clientToErase, null, auditLogs.userAgent),
      clientErasedAt: erasedWhen(clientToErase, sql`${now.toISOString()}::timestamptz`, auditLogs.clientErasedAt),
      subjects: null,
    })
    .where(and(ne(auditLogs.action, ERASURE_ACTION), or(payloadToErase, clientToErase)))
    .returning({ id: auditLogs.id });
  return rows.length;
}

/**
 * In one snapshot: how many rows have something erased (payload or client), and how many the erasures' own rows
 * say they erased. More of the first than of the second means rows erased outside an erasure.
 */
export async function erasureTally(db: Executor) {
  const claimed = sql`${auditLogs.payload}->'erasedRows'->(${ERASURE_PART}::text)`;
  const [row] = await db
    .select({
      erased: sql<number>`count(*) FILTER (WHERE ${auditLogs.payloadErasedAt} IS NOT NULL OR ${auditLogs.clientErasedAt} IS NOT NULL)::int`,
      accounted: sql<string>`coalesce(sum((${claimed})::text::numeric) FILTER (WHERE ${auditLogs.action} = ${ERASURE_ACTION} AND jsonb_typeof(${claimed}) = 'number'), 0)`,
    })
    .from(auditLogs);
  return { erased: Number(row?.erased ?? 0), accounted: Number(row?.accounted ?? 0) };
}

export interface AuditFilter {
  organizationId?: string;
  actorId?: string;
  entity?: string;
  entityId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  beforeId?: number;
}

/** Newest first, keyset on the id. */
export function listAuditRows(db: Executor, filter: AuditFilter, limit: number) {
  const where = and(
    // Entities are named in lower case (user, role …): `User` finds them too.
    eachGivenEquals(
      { ...filter, entity: filter.entity?.toLowerCase() },
      {
        organizationId: auditLogs.organizationId,
        actorId: auditLogs.actorId,
        entity: auditLogs.entity,
        entityId: auditLogs.entityId,
        action: auditLogs.action,
      },
    ),
    inRange(auditLogs.createdAt, filter.from, filter.to),
  );
  return pageById(db, auditLogs, { where, order: 'newest', after: filter.beforeId, take: limit + 1 });
}

/**
 * One page of a person's trail for their export: what they did and what was done to them, newest first, before
 * the row of id `beforeId`; `within` one organization, its rows and those of none (see ExportPart).
 */
export function trailPage(db: Executor, userId: string, page: { within?: string; beforeId?: number; limit: number }) {
  return db
    .select({
      id: auditLogs.id,
      action: auditLogs.action,
      entity: auditLogs.entity,
      entityId: auditLogs.entityId,
      // The address is the person's only where they acted; an administrator's acting on them is theirs.
      ipAddress: sql<string | null>`CASE WHEN ${auditLogs.actorId} = ${userId} THEN ${auditLogs.ipAddress} END`,
      createdAt: auditLogs.createdAt,
    })
    .from(auditLogs)
    .where(
      and(
        or(eq(auditLogs.actorId, userId), eq(auditLogs.entityId, userId)),
        page.within === undefined ? undefined : or(isNull(auditLogs.organizationId), eq(auditLogs.organizationId, page.within)),
        page.beforeId === undefined ? undefined : lt(auditLogs.id, page.beforeId),
      ),
    )
    .orderBy(desc(auditLogs.id))
    .limit(page.limit);
}

/** The overview's failed sign-ins per day (UTC), from the trail's `auth.login_failed` rows. */
export async function failedSignInsPerDay(db: Executor, organizationId: string | undefined, since: Date) {
  return rowsPerUtcDay(
    db,
    auditLogs,
    auditLogs.createdAt,
    and(
      eq(auditLogs.action, 'auth.login_failed'),
      gte(auditLogs.createdAt, since),
      organizationId ? eq(auditLogs.organizationId, organizationId) : undefined,
    ),
  );
}

/**
 * Known accounts with failed sign-ins since `since`, and those that had `threshold` or more failures from
 * one address since `recent` (sign-in throttling makes that address wait).
 */
export async function failedSignInAccounts(
  db: Executor,
  organizationId: string | undefined,
  window: { since: Date; recent: Date; threshold: number },
) {
  const failures = (from: Date) =>
    and(
      eq(auditLogs.action, 'auth.login_failed'),
      isNotNull(auditLogs.entityId),
      gte(auditLogs.createdAt, from),
      organizationId ? eq(auditLogs.organizationId, organizationId) : undefined,
    );
  const held = db
    .select({ entityId: auditLogs.entityId })
    .from(auditLogs)
    .where(failures(window.recent))
    .groupBy(auditLogs.entityId, auditLogs.ipAddress)
    .having(gte(count(), window.threshold))
    .as('held');
  const [accounts] = await db
    .select({ n: sql<number>`count(DISTINCT ${auditLogs.entityId})::int` })
    .from(auditLogs)
    .where(failures(window.since));
  const [throttled] = await db.select({ n: sql<number>`count(DISTINCT ${held.entityId})::int` }).from(held);
  return { accounts: Number(accounts?.n ?? 0), throttledAccounts: Number(throttled?.n ?? 0) };
}
