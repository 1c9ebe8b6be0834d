import { describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.js';
import { cursorOf, pageOf } from './paging.js';

const id = '0b6c7c1e-3a52-4f4e-9a51-1f0a9d6d2c11';
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The problem code a decode answers with, or nothing when it accepts the cursor. */
function refusal(decode: () => unknown): string | undefined {
  try {
    decode();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? `${error.status} ${error.code}` : String(error);
  }
}

describe('cursorOf', () => {
  it('round-trips every kind of part, times to the millisecond', () => {
    const cursor = cursorOf(['text', 'uuid', 'time', 'int'] as const);
    const at = new Date('2026-03-01T12:34:56.789Z');
    const [text, uuid, time, int] = cursor.decode(cursor.encode(['Zoë | "x"', id, at, 9_007_199_254_740_991])) ?? [];
    expect([text, uuid, time?.toISOString(), int]).toEqual(['Zoë | "x"', id, at.toISOString(), 9_007_199_254_740_991]);
  });

  it('is base64url of a JSON tuple, safe in a query string', () => {
    const encoded = cursorOf(['text', 'uuid'] as const).encode(['2026-01-01 00:00:00+00', id]);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))).toEqual(['2026-01-01 00:00:00+00', id]);
  });

  it('reads no cursor as the first page', () => {
    expect(cursorOf(['int'] as const).decode(undefined)).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', 'bm90LWEtY3Vyc29y'],
    ['an object, not a tuple', base64url({ id })],
    ['too few parts', base64url(['x'])],
    ['too many parts', base64url(['x', id, 'y'])],
    ['a row id that is no uuid', base64url(['x', '1 OR 1=1'])],
    ['a number where text belongs', base64url([1, id])],
  ])('answers 400 INVALID_CURSOR for %s', (_, value) => {
    expect(refusal(() => cursorOf(['text', 'uuid'] as const).decode(value))).toBe('400 INVALID_CURSOR');
  });

  it.each([
    ['a fraction', base64url([1.5])],
    ['an unsafe integer', base64url([2 ** 60])],
    ['a numeric string', base64url(['12'])],
  ])('refuses an integer part that is %s', (_, value) => {
    expect(refusal(() => cursorOf(['int'] as const).decode(value))).toBe('400 INVALID_CURSOR');
  });

  it.each(['yesterday', '2026-02-30T00:00:00Z', '2026-01-01', ''])('refuses a time part %j', (value) => {
    expect(refusal(() => cursorOf(['time'] as const).decode(base64url([value])))).toBe('400 INVALID_CURSOR');
  });
});

describe('pageOf', () => {
  const rows = [1, 2, 3, 4];
  const show = (n: number) => ({ n });
  const after = (n: number) => `after-${n}`;

  it('shows `limit` rows and points after the last shown when the extra row exists', () => {
    expect(pageOf(rows, 3, show, after)).toEqual({ data: [{ n: 1 }, { n: 2 }, { n: 3 }], nextCursor: 'after-3' });
  });

  it('has no next cursor on the last page', () => {
    expect(pageOf(rows, 4, show, after)).toEqual({ data: rows.map(show), nextCursor: null });
    expect(pageOf([], 4, show, after)).toEqual({ data: [], nextCursor: null });
  });
});
