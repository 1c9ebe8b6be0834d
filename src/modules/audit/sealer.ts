import type { Db } from '../../db/client.js';
import { chainedFieldsOf, chainHash, clientDigest, GENESIS_HASH } from './chain.js';
import * as queries from './queries.js';

/**
 * Why rows are sealed after commit, and why by `seq` rather than by id.
 *
 * Chaining in the writing transaction needs the previous row's hash, so every audited write of every node
 * once queued on one lock. Now a use case only inserts its row, unsealed, and one sealer at a time (an
 * advisory lock, held per batch) links committed rows into the chain afterwards.
 *
 * Ids come from a sequence when a row is inserted, not when it commits: id 41 may commit after id 42 was
 * sealed. Chaining by id would then have to wait for (or skip) every open transaction. Instead the sealer
 * gives each row it seals the next position, `seq`, under its lock, and the chain is the rows in `seq`
 * order: a late row simply gets a later seq. The sealer sees only committed rows and never changes a
 * sealed one, so the chain only grows at its end, and `verify` walks it in `seq` order. A row written with a
 * payload digest (chain version 2) is hashed over the digest: an erasure that replaces its payload, before
 * or after the seal, leaves the same hash.
 *
 * The client's digest (chain version 3) is written here, when the row is sealed, not with the row: the node that
 * seals a row decides its version. During a rolling upgrade a node of the previous version seals rows too; it
 * knows no client digest and hashes the IP address and user agent themselves. Written with the row, the digest
 * would then stand beside a hash that does not cover it, and verify would report the row as altered; written by
 * the sealer, such a row has none and verifies as version 2.
 */
export async function sealPending(db: Db, batchSize = 1000): Promise<number> {
  let sealed = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      if (!(await queries.trySealerLock(tx))) return 0;
      const tail = await queries.chainTail(tx);
      let seq = tail?.seq ?? 0;
      let prevHash = tail?.hash ?? GENESIS_HASH;
      const rows = await queries.unsealedRows(tx, batchSize);
      const seals = rows.map((row) => {
        const client = clientDigest(row);
        const hash = chainHash(prevHash, { ...chainedFieldsOf(row), clientDigest: client });
        const seal = { id: row.id, seq: ++seq, prevHash, hash, clientDigest: client };
        prevHash = hash;
        return seal;
      });
      await queries.sealRows(tx, seals);
      return seals.length;
    });
    sealed += batch;
    if (batch < batchSize) return sealed;
  }
}

/** How often a node looks for rows to seal: about the longest a committed row waits, give or take one pass. */
const SEAL_INTERVAL_MS = 1000;

type SealerLog = { error(details: object, message: string): void };

/**
 * Each node that runs background jobs runs the loop; the lock lets one seal at a time, and a node that
 * finds it taken tries again on its next pass. The first pass catches up on whatever was written while
 * no sealer ran.
 */
export function createSealerLoop(db: Db) {
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let running = false;
  const next = (log: SealerLog) => {
    pass = sealPending(db)
      .then(
        () => undefined,
        (error: unknown) => log.error({ err: error }, 'sealing the audit trail failed; the next pass retries'),
      )
      .finally(() => {
        if (running) timer = setTimeout(next, SEAL_INTERVAL_MS, log);
      });
  };
  return {
    start(log: SealerLog) {
      if (running) return;
      running = true;
      next(log);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await pass;
    },
  };
}
