import { createHash } from 'node:crypto';
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';

/**
 * Who a row speaks of, as digests: its entity's id and every address its content names. Rows that keep what
 * happened (the audit trail, webhook deliveries) store them beside the content so that an erasure finds,
 * through an index, every row naming the person by any address they have had, without a second plain copy of
 * each address in the table.
 */
export const subjectDigest = (subject: string) => createHash('sha256').update(subject.trim().toLowerCase()).digest('hex');

/** `subjectDigest` of an address column, in SQL: rows holding a plain address are found by the digests an erasure looks for. */
export const addressDigestOf = (column: AnyColumn): SQL<string> =>
  sql<string>`encode(sha256(convert_to(lower(trim(${column})), 'UTF8')), 'hex')`;

const ADDRESS = /^[^\s@]+@[^\s@]+$/;

function addressesIn(value: unknown, found: Set<string>) {
  if (typeof value === 'string') {
    if (ADDRESS.test(value)) found.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) addressesIn(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) addressesIn(item, found);
  }
  return found;
}

/**
 * The subject digests of a row about `entityId` with this content: at any depth, whatever the key (an
 * invitation's `email`, an address change's `before`); `null` when it names nobody.
 */
export function subjectsOf(entityId: string | null, content: unknown): string[] | null {
  const subjects = [...addressesIn(content, new Set(entityId ? [entityId] : []))].map(subjectDigest);
  return subjects.length > 0 ? [...new Set(subjects)] : null;
}

/** The person an erasure is about: their id and the digests of every address they are known to have had. */
export interface ErasedPerson {
  userId: string;
  subjects: string[];
}

/**
 * What one module erases of a person, in the erasure's transaction (users calls each part, so it reads no other
 * module's tables). `addressesOf`: digests of earlier addresses the part has on record (the audit trail keeps
 * each change of address), so that every part looks for all of them; `erase` answers how many rows it erased.
 */
export interface ErasurePart {
  addressesOf?(tx: Executor, userId: string): Promise<string[]>;
  erase(tx: Executor, person: ErasedPerson): Promise<number>;
}
