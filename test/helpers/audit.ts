import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { chainedFieldsOf, chainHash, GENESIS_HASH } from '../../src/modules/audit/chain.js';
import * as auditQueries from '../../src/modules/audit/queries.js';

/**
 * The sealer of chain version 2, as a node of the previous version runs it during a rolling upgrade: it knows no
 * client digest, so it hashes each row over its IP address and user agent themselves and writes none. The rows it
 * sealed, in chain order.
 */
export const sealAsChainVersion2 = (db: Db) =>
  db.transaction(async (tx) => {
    const tail = await auditQueries.chainTail(tx);
    let [seq, prevHash] = [tail?.seq ?? 0, tail?.hash ?? GENESIS_HASH];
    const rows = await auditQueries.unsealedRows(tx, 1000);
    for (const row of rows) {
      const hash = chainHash(prevHash, { ...chainedFieldsOf(row), clientDigest: null });
      await tx.execute(sql`UPDATE audit_logs SET seq = ${++seq}, prev_hash = ${prevHash}, hash = ${hash} WHERE id = ${row.id}`);
      prevHash = hash;
    }
    return rows;
  });
