import type { Database, Db } from '../db/client.js';
import { PRIMARY_ONLY, type WalPosition } from '../db/replicas.js';
import type { Caller } from './caller.js';
import type { SharedState } from './shared-state.js';

/**
 * Read your own writes on replicas. After a use case commits, the primary's WAL position is remembered in
 * the shared state (so every node knows) under the principal, or, for a write made before signing in,
 * under the client's address; a read that may be stale goes to a replica only once it has replayed past
 * the reader's own and their address's last write, otherwise to the primary. The address covers a client
 * that writes before signing in and then reads as someone else (an invitation accepted, then listed by the
 * administrator in the same browser); keeping signed-in writes off it keeps the replicas in use for the
 * many clients behind one address. Everyone else reads at most REPLICA_MAX_LAG stale.
 */
export function createReads(database: Database, state: SharedState, maxLagMs: number) {
  // A replica within REPLICA_MAX_LAG has replayed every write older than that: the entry is not needed after.
  const ttlMs = maxLagMs + 10_000;
  const principalKey = (caller: Caller) => (caller.principal ? `last-write:user:${caller.principal.userId}` : undefined);
  const addressKey = (caller: Caller) => (caller.ipAddress ? `last-write:address:${caller.ipAddress}` : undefined);
  const present = (...keys: (string | undefined)[]) => keys.filter((key): key is string => key !== undefined);

  async function lastWriteSeenBy(caller: Caller): Promise<WalPosition | undefined> {
    // Without the bus, writes made through other nodes are unknown: only the primary is sure to have them.
    if (!state.isConnected()) return PRIMARY_ONLY;
    const positions = await Promise.all(present(principalKey(caller), addressKey(caller)).map((key) => state.get(key)));
    return positions.reduce<WalPosition | undefined>(
      (latest, position) => (position && (!latest || position > latest) ? position : latest),
      undefined,
    );
  }

  return {
    /** The handle for `caller`'s reads that may be stale: a replica that has their last write, or the primary. */
    async for(caller: Caller): Promise<Db> {
      if (!database.replication) return database.read;
      return database.readAfter(await lastWriteSeenBy(caller));
    },

    /** After `caller`'s use case committed. Never throws: if the position cannot be had, they read from the primary a while. */
    async wrote(caller: Caller): Promise<void> {
      const { replication } = database;
      if (!replication) return;
      const position = await replication.position().catch(() => PRIMARY_ONLY);
      const key = principalKey(caller) ?? addressKey(caller);
      if (key) await state.raise(key, position, ttlMs);
    },
  };
}

export type Reads = ReturnType<typeof createReads>;
