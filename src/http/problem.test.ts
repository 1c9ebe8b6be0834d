import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../db/schema/index.js';
import { constraintProblems, genericConstraints, toAppError } from './problem.js';

/** The name of every unique index and unique constraint the Drizzle schema declares. */
function uniqueNamesInSchema(): string[] {
  const tables = (Object.values(schema) as unknown[]).filter((value): value is PgTable => value instanceof PgTable);
  return tables.flatMap((table) => {
    const config = getTableConfig(table);
    return [
      ...config.indexes.filter((index) => index.config.unique).map((index) => index.config.name ?? ''),
      ...config.uniqueConstraints.map((constraint) => constraint.getName() ?? ''),
      ...config.columns.filter((column) => column.isUnique).map((column) => column.uniqueName ?? ''),
    ];
  });
}

/** A unique violation as the drivers report it, drizzle's wrapper around the driver's error. */
const uniqueViolation = (constraint: string | undefined, detail: string) =>
  new Error('Failed query', { cause: Object.assign(new Error('duplicate key'), { code: '23505', constraint, detail }) });

describe('unique violations', () => {
  it('are each mapped to a declared code or deliberately generic, with no name listed that the schema lacks', () => {
    const inSchema = uniqueNamesInSchema();
    expect(inSchema.length).toBeGreaterThan(20);
    const decided = [...Object.keys(constraintProblems), ...genericConstraints];
    expect(inSchema.filter((name) => !decided.includes(name))).toEqual([]);
    expect(decided.filter((name) => !inSchema.includes(name))).toEqual([]);
    expect(Object.keys(constraintProblems).filter((name) => genericConstraints.includes(name))).toEqual([]);
  });

  it('answer the code mapped to their constraint, whatever the column is called', () => {
    const error = toAppError(uniqueViolation('organizations_slug_unique', 'Key (slug)=(acme) already exists.'));
    expect([error.status, error.code]).toEqual([409, 'SLUG_ALREADY_EXISTS']);
  });

  it('answer the generic 409 for a constraint nobody mapped, not a code guessed from its column', () => {
    const guessable = toAppError(uniqueViolation('webhooks_name_unique', 'Key (name)=(billing) already exists.'));
    expect([guessable.status, guessable.code]).toEqual([409, 'ALREADY_EXISTS']);
    const unnamed = toAppError(uniqueViolation(undefined, 'Key (email)=(a@example.com) already exists.'));
    expect([unnamed.status, unnamed.code]).toEqual([409, 'ALREADY_EXISTS']);
  });
});
