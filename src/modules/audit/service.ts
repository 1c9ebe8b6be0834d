import type { Executor } from '../../db/client.js';
import { type ChainedFields, chainHash, GENESIS_HASH, redactSecrets } from './chain.js';
import * as queries from './queries.js';

/** Who did it and from where: taken from the request, or from the CLI. */
export interface AuditActor {
  actorId?: string | null;
  organizationId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export interface AuditEvent {
  action: string;
  entity: string;
  entityId?: string | null;
  payload?: Record<string, unknown>;
  organizationId?: string | null;
}

/** Writes one hash-chained audit row inside the caller's transaction. */
export async function recordAudit(tx: Executor, actor: AuditActor, event: AuditEvent): Promise<void> {
  await queries.lockChain(tx);
  const prevHash = (await queries.lastHash(tx)) ?? GENESIS_HASH;
  const fields: ChainedFields = {
    actorId: actor.actorId ?? null,
    organizationId: event.organizationId ?? actor.organizationId ?? null,
    action: event.action,
    entity: event.entity,
    entityId: event.entityId ?? null,
    payload: event.payload ? redactSecrets(event.payload) : null,
    ipAddress: actor.ipAddress ?? null,
    userAgent: actor.userAgent ?? null,
    requestId: actor.requestId ?? null,
    createdAt: new Date(),
  };
  await queries.insertAuditRow(tx, { ...fields, prevHash, hash: chainHash(prevHash, fields) });
}

export interface ChainReport {
  valid: boolean;
  checked: number;
  firstBrokenId?: number;
  reason?: string;
}

/** Walks the whole chain in id order and reports the first row whose link or content does not hold. */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<ChainReport> {
  let expectedPrev = GENESIS_HASH;
  let afterId = 0;
  let checked = 0;
  for (;;) {
    const rows = await queries.auditRowsAfter(db, afterId, batchSize);
    for (const row of rows) {
      if (row.prevHash !== expectedPrev)
        return {
          valid: false,
          checked,
          firstBrokenId: row.id,
          reason: 'previous-hash link broken (a row before it was removed or altered)',
        };
      const { id, hash, prevHash, ...fields } = row;
      if (chainHash(prevHash, fields) !== hash)
        return { valid: false, checked, firstBrokenId: id, reason: 'row content does not match its hash' };
      expectedPrev = hash;
      afterId = id;
      checked++;
    }
    if (rows.length < batchSize) return { valid: true, checked };
  }
}
