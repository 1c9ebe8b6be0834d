import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { Caller, SignedInCaller } from '../../platform/caller.js';
import { type ErasurePart, subjectsOf } from '../../platform/erasure.js';
import type { ExportStream } from '../../platform/export-scope.js';
import { cursorOf, pageOf } from '../../platform/paging.js';
import type { StatementWriter, Writer } from '../../platform/use-case.js';
import { tenantOf } from '../access/service.js';
import { throttleFreeAttempts, throttleWindowMs } from '../auth/service.js';
import { auditEntryOf, type DomainEvent } from '../events.js';
import { dailySeries, type StatisticsPart } from '../ops/service.js';
import { organizationErrors } from '../organizations/errors.js';
import { chainedFieldsOf, chainHash, clientDigest, GENESIS_HASH, isErasedPayload, payloadDigest, redactSecrets } from './chain.js';
import { auditErrors as errors } from './errors.js';
import * as queries from './queries.js';
import type { AuditQuery, ChainReport } from './schemas.js';
import { createSealerLoop, sealPending } from './sealer.js';

type RowCheck = { broken: string } | { erased: 'digest-checked' | 'link-only' } | undefined;

/** Why an erased row is not as an erasure leaves it, if it is not. */
function erasureMismatch(row: queries.AuditRow): string | undefined {
  if (row.payloadErasedAt !== null && !isErasedPayload(row.payload)) return 'marked erased, but its payload is not the erasure marker';
  if (row.clientErasedAt !== null && (row.ipAddress !== null || row.userAgent !== null))
    return 'marked erased, but its IP address or user agent is still there';
  return undefined;
}

/** Why a row that is not erased does not match its digests (payload from chain version 2, client from 3), if it does not. */
function digestMismatch(row: queries.AuditRow): string | undefined {
  if (row.payloadErasedAt === null && row.payloadDigest !== null && payloadDigest(row.payload) !== row.payloadDigest)
    return 'payload does not match its digest';
  if (row.clientErasedAt === null && row.clientDigest !== null && clientDigest(row) !== row.clientDigest)
    return 'IP address or user agent does not match their digest';
  return undefined;
}

/** One sealed row against the chain so far: broken (why), erased (how much of it still checks), or whole. */
function checkRow(row: queries.AuditRow, expectedSeq: number, expectedPrev: string): RowCheck {
  if (row.prevHash !== expectedPrev) return { broken: 'previous-hash link broken (a row before it was removed or altered)' };
  if (row.seq !== expectedSeq)
    return { broken: `chain position ${row.seq} where ${expectedSeq} was due (rows before it were removed or moved)` };
  const mismatch = erasureMismatch(row);
  if (mismatch) return { broken: mismatch };
  // A row whose hash covers what was erased itself (the payload before chain version 2, the client before 3): only
  // its place in the chain still holds.
  const payloadErased = row.payloadErasedAt !== null;
  const clientErased = row.clientErasedAt !== null;
  if ((payloadErased && row.payloadDigest === null) || (clientErased && row.clientDigest === null)) return { erased: 'link-only' };
  if (chainHash(expectedPrev, chainedFieldsOf(row)) !== row.hash) return { broken: 'row content does not match its hash' };
  const digest = digestMismatch(row);
  if (digest) return { broken: digest };
  return payloadErased || clientErased ? { erased: 'digest-checked' } : undefined;
}

/**
 * Walks the sealed rows in chain order and reports the first whose link or content does not hold, counting the
 * rows whose payload an erasure replaced; then checks that erasures account for every erased payload.
 */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<ChainReport> {
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  const erasures = { erased: 0, erasedLinkOnly: 0 };
  const report = async (broken?: { firstBrokenId?: number; reason: string }) => ({
    valid: broken === undefined,
    checked,
    unsealed: await queries.countUnsealed(db),
    ...erasures,
    ...broken,
  });
  for (;;) {
    const rows = await queries.sealedRowsAfter(db, checked, batchSize);
    for (const row of rows) {
      const check = checkRow(row, checked + 1, expectedPrev);
      if (check && 'broken' in check) return report({ firstBrokenId: row.id, reason: check.broken });
      if (check) erasures.erased++;
      if (check?.erased === 'link-only') erasures.erasedLinkOnly++;
      expectedPrev = row.hash as string;
      checked++;
    }
    if (rows.length < batchSize) break;
  }
  // The marks alone cannot tell an erasure from someone erasing a row by hand: the erasures' own rows say how many they erased.
  const tally = await queries.erasureTally(db);
  if (tally.erased > tally.accounted)
    return report({
      reason: `${tally.erased} rows are erased where erasures account for ${tally.accounted}: rows were erased outside an erasure`,
    });
  return report();
}

const auditView = ({ prevHash: _prev, seq: _seq, createdAt, ...row }: queries.AuditRow) => ({ ...row, createdAt: createdAt.toISOString() });

/** The payload as recorded: who really acted when support acts as a user (`act`), and the door used when not the API (`via`). */
function withContext(payload: unknown, caller: Caller) {
  const impersonatorId = caller.principal?.actor?.userId;
  if (!impersonatorId && !caller.via) return payload;
  return {
    ...(payload as object | null),
    ...(impersonatorId ? { act: { sub: impersonatorId } } : {}),
    ...(caller.via ? { via: caller.via } : {}),
  };
}

/** The payload with its digest (chain version 2) and the subjects an erasure finds it by. */
const payloadFields = (payload: unknown, entityId: string | null) => ({
  payload,
  payloadDigest: payloadDigest(payload),
  subjects: subjectsOf(entityId, payload),
});

/** An event's audit row, unsealed. */
function auditRowOf(event: DomainEvent, caller: Caller) {
  const entry = auditEntryOf(event);
  return {
    actorId: event.actorId ?? caller.principal?.userId ?? null,
    // As for webhooks: the organization the actor is confined to, none for one acting across organizations.
    organizationId: entry.organizationId ?? (caller.principal ? tenantOf(caller.principal) : undefined) ?? null,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    // The event catalogues redact already; this is the safety net for a key one of them missed.
    // Support acting as a user: the row names the user as actor and the administrator as `act` (RFC 8693).
    ...payloadFields(withContext(entry.payload ? redactSecrets(entry.payload) : null, caller), entry.entityId),
    ipAddress: caller.ipAddress,
    userAgent: caller.userAgent,
    requestId: caller.requestId,
    createdAt: new Date(),
  };
}

/** Audit rows page newest first by their id, which only grows. */
const auditCursor = cursorOf(['int'] as const);

/** Rows of a person's trail read at once for their export: a page's worth of memory, a few statements for most people. */
const TRAIL_PAGE_SIZE = 5000;

/** The whole of a person's trail, newest first, a page at a time (keyset on the id: each page starts where the last ended). */
async function* trailOf(executor: Executor, userId: string, within?: string) {
  let beforeId: number | undefined;
  for (;;) {
    const rows = await queries.trailPage(executor, userId, { within, beforeId, limit: TRAIL_PAGE_SIZE });
    if (rows.length > 0) yield rows.map(({ id: _id, ...entry }) => entry);
    if (rows.length < TRAIL_PAGE_SIZE) return;
    beforeId = rows.at(-1)?.id;
  }
}

/** The audit trail: written by every use case's events, read by auditors, sealed in the background. */
export function createAuditService(context: AppContext) {
  const db = context.database.primary;
  const sealer = createSealerLoop(db);

  return {
    /** The use-case runner's writer: each event's audit row, unsealed, in the use case's transaction (one insert for all). */
    record: (async (tx, events, caller) => {
      await queries.insertAuditRows(
        tx,
        events.map((event) => auditRowOf(event, caller)),
      );
    }) satisfies Writer<DomainEvent>,

    /** The same row, for a use case that is one statement: a CTE of that statement, and its values. */
    recordInStatement: {
      insertFrom: queries.auditRowFrom,
      values: (event, caller) => queries.auditValues(auditRowOf(event, caller)),
    } satisfies StatementWriter<DomainEvent>,

    /** Newest first, within the reader's tenancy. */
    async list(caller: SignedInCaller, query: AuditQuery) {
      const { limit = 50, cursor, from, to, ...filter } = query;
      const [fromDate, toDate] = [from ? new Date(from) : undefined, to ? new Date(to) : undefined];
      if (fromDate && toDate && fromDate > toDate) throw errors.INVALID_RANGE();
      const rows = await queries.listAuditRows(
        await context.reads.for(caller),
        {
          ...filter,
          organizationId: tenantOf(caller.principal),
          from: fromDate,
          to: toDate,
          beforeId: auditCursor.decode(cursor)?.[0],
        },
        limit,
      );
      return pageOf(rows, limit, auditView, (row) => auditCursor.encode([row.id]));
    },

    /** The audit trail's part of a person's export (users asks each module for its part): all of it, streamed. */
    exportStreams: { auditTrail: trailOf } satisfies Record<string, ExportStream>,

    /** Its part of a person's erasure (users calls it): the payloads about them erased, the chain whole. */
    erasureParts: {
      [queries.ERASURE_PART]: { addressesOf: queries.subjectsOfUser, erase: queries.eraseRowsOf },
    } satisfies Record<string, ErasurePart>,

    /** The chain is the platform's, verified whole: its counts and first broken row would tell a confined reader of every organization. */
    verify(caller: SignedInCaller) {
      if (tenantOf(caller.principal) !== undefined) throw organizationErrors.CROSS_TENANT_REQUIRED();
      return verifyAuditChain(db);
    },
    /** Its figures of the administrators' overview. */
    statistics: failedSignInStatistics,
    /** Seals what is waiting now (the background loop calls this every second; tests call it directly). */
    seal: () => sealPending(db),

    /** Sealing runs on the nodes that run background jobs. */
    startSealing(log: FastifyBaseLogger) {
      if (context.config.JOBS_ENABLED) sealer.start(log);
    },
    stopSealing: () => sealer.stop(),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

/** The overview's failed sign-ins (registered with ops at wiring time). */
const failedSignInStatistics: StatisticsPart<'failedSignIns'> = async (db, { organizationId, since }) => {
  const perDay = dailySeries(await queries.failedSignInsPerDay(db, organizationId, since), since);
  const recent = new Date(Date.now() - throttleWindowMs);
  const accounts = await queries.failedSignInAccounts(db, organizationId, { since, recent, threshold: throttleFreeAttempts });
  return { perDay, total: perDay.reduce((sum, entry) => sum + entry.count, 0), ...accounts };
};
