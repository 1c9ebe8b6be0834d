import type { SQL } from 'drizzle-orm';
import { boolean, PgDialect, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { eachGivenEquals, inRange } from './filters.js';

const things = pgTable('things', { kind: text('kind'), owner: text('owner'), done: boolean('done'), at: timestamp('at') });
const dialect = new PgDialect();
const rendered = (condition: SQL | undefined) => {
  if (!condition) return undefined;
  const { sql, params } = dialect.sqlToQuery(condition);
  return { sql, params };
};

describe('eachGivenEquals', () => {
  const columns = { kind: things.kind, owner: things.owner, done: things.done };

  it('compares each given field with its column, false included', () => {
    expect(rendered(eachGivenEquals({ kind: 'book', done: false, limit: 20 }, columns))).toEqual({
      sql: '("things"."kind" = $1 and "things"."done" = $2)',
      params: ['book', false],
    });
  });

  it('leaves out a field that is absent, null or empty', () => {
    expect(rendered(eachGivenEquals({ kind: '', owner: null, done: undefined }, columns))).toBeUndefined();
    expect(rendered(eachGivenEquals({ owner: 'ada', kind: null }, columns))).toEqual({ sql: '"things"."owner" = $1', params: ['ada'] });
  });
});

describe('inRange', () => {
  const [from, to] = [new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z')];

  it('includes both ends, and leaves open an end not given', () => {
    expect(rendered(inRange(things.at, from, to))?.sql).toBe('("things"."at" >= $1 and "things"."at" <= $2)');
    expect(rendered(inRange(things.at, undefined, to))?.sql).toBe('"things"."at" <= $1');
    expect(rendered(inRange(things.at, from, undefined))?.sql).toBe('"things"."at" >= $1');
    expect(inRange(things.at, undefined, undefined)).toBeUndefined();
  });
});
