import { type TSchema, Type } from '@sinclair/typebox';
import { defineErrors } from '../http/errors.js';
import { Nullable } from '../http/schemas.js';

/**
 * The one paging convention of Tessera's lists: `?cursor=&limit=` answers `{ data, nextCursor }`. The cursor is
 * opaque to clients: base64url of a small JSON tuple, the sort key of the last row shown, which the next page
 * reads after (keyset paging costs the same on page 1 and page 50,000). Decoding checks every part against the
 * kinds the list declares, so a cursor that is not one of ours answers 400 INVALID_CURSOR, never a SQL error.
 */

export const pagingErrors = defineErrors({
  INVALID_CURSOR: [400, 'The cursor is not valid.'],
});

/** What one part of a cursor may be: a sort value as text, a row id, a timestamp, an integer id. */
interface PartKinds {
  text: string;
  uuid: string;
  time: Date;
  int: number;
}
type PartKind = keyof PartKinds;
type Parts<K extends readonly PartKind[]> = { [I in keyof K]: PartKinds[K[I]] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The part as it goes in the JSON tuple; times keep their milliseconds, the precision rows are written with. */
const wirePart = (part: string | number | Date) => (part instanceof Date ? part.toISOString() : part);

/** Reads one part back, or undefined when it is not of the declared kind. */
function readPart(kind: PartKind, value: unknown): PartKinds[PartKind] | undefined {
  if (kind === 'int') return Number.isSafeInteger(value) ? (value as number) : undefined;
  if (typeof value !== 'string') return undefined;
  if (kind === 'uuid') return UUID.test(value) ? value : undefined;
  if (kind === 'time') return timeOf(value);
  return value;
}

/** A time exactly as `encode` wrote it (`toISOString`), so no calendar overflow or local time gets through. */
function timeOf(value: string): Date | undefined {
  const time = new Date(value);
  return !Number.isNaN(time.getTime()) && time.toISOString() === value ? time : undefined;
}

/** A cursor format: the kinds of its parts, in order. */
export function cursorOf<const K extends readonly PartKind[]>(kinds: K) {
  return {
    encode: (parts: Parts<K>): string => Buffer.from(JSON.stringify(parts.map(wirePart))).toString('base64url'),

    /** The parts of a cursor, nothing when there is none, and INVALID_CURSOR when it is not one of this list's. */
    decode(cursor: string | undefined): Parts<K> | undefined {
      if (cursor === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw pagingErrors.INVALID_CURSOR();
      }
      if (!Array.isArray(parsed) || parsed.length !== kinds.length) throw pagingErrors.INVALID_CURSOR();
      const parts = kinds.map((kind, index) => readPart(kind, parsed[index]));
      if (parts.some((part) => part === undefined)) throw pagingErrors.INVALID_CURSOR();
      return parts as unknown as Parts<K>;
    },
  };
}

/**
 * One page from rows read with `limit + 1`: the first `limit`, and the cursor after the last of them when the
 * extra row shows there is more.
 */
export function pageOf<Row, Shown>(rows: Row[], limit: number, show: (row: Row) => Shown, cursorAfter: (row: Row) => string) {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { data: shown.map(show), nextCursor: rows.length > limit && last !== undefined ? cursorAfter(last) : null };
}

const idCursor = cursorOf(['uuid'] as const);

/**
 * A list whose cursor is the id of its last row shown. Most are rows whose ids are UUIDv7 (src/db/schema/common.ts),
 * which order rows by the time they were made, so the id alone is the page key: read the rows past `after(cursor)`
 * in the list's order, `limit + 1` of them (src/db/pages.ts `pageById`).
 */
export const pagedById = {
  after: (cursor: string | undefined) => idCursor.decode(cursor)?.[0],
  page: <Row extends { id: string }, Shown>(rows: Row[], limit: number, show: (row: Row) => Shown) =>
    pageOf(rows, limit, show, (row) => idCursor.encode([row.id])),
};

/** What a client asks of a paged list. */
export interface PageRequest {
  cursor?: string;
  limit?: number;
}

/** The query fields of a paged list, to spread into its query schema. */
export const pageQuery = ({ max = 100, fallback = 20 }: { max?: number; fallback?: number } = {}) => ({
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'the `nextCursor` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: fallback })),
});

/** The answer of a paged list: one page of items and the cursor of the next (null on the last page). */
export const Paged = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    nextCursor: Nullable(Type.String({ description: 'pass back as `cursor` for the next page; null on the last page' })),
  });
