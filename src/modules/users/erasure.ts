import type { Executor } from '../../db/client.js';
import { type ErasedPerson, type ErasurePart, subjectDigest } from '../../platform/erasure.js';
import type { UserRow } from './queries.js';

/**
 * What a person's erasure does beyond their account and what it owns (which the account's deletion takes with it):
 * each module that keeps rows naming the person without owning them (the audit trail, webhook deliveries)
 * registers its part at wiring, so users never touches another module's tables.
 */
export function createErasure() {
  const parts = new Map<string, ErasurePart>();

  /** The person as every part looks for them: their id, their address, a pending one, and every earlier one on record. */
  async function personOf(tx: Executor, user: UserRow): Promise<ErasedPerson> {
    const earlier = [];
    for (const part of parts.values()) earlier.push(...((await part.addressesOf?.(tx, user.id)) ?? []));
    const known = [user.id, user.email, user.pendingEmail].filter((subject) => subject !== null).map(subjectDigest);
    return { userId: user.id, subjects: [...new Set([...known, ...earlier])] };
  }

  return {
    registerErasurePart(name: string, part: ErasurePart) {
      if (parts.has(name)) throw new Error(`erasure part ${name} is registered twice`);
      parts.set(name, part);
    },

    /** In the erasure's transaction: how many rows each part erased, by part's name. */
    async eraseRecordsOf(tx: Executor, user: UserRow) {
      const person = await personOf(tx, user);
      const erased: Record<string, number> = {};
      for (const [name, part] of parts) erased[name] = await part.erase(tx, person);
      return erased;
    },
  };
}

export type Erasure = ReturnType<typeof createErasure>;
