import { describe, expect, it } from 'vitest';
import { describeResetTarget, maskedDatabaseUrl } from './reset-confirm.js';

describe("what a reset's confirmation names", () => {
  it('masks the password of a database URL, in the user part and as a parameter, and keeps the rest', () => {
    expect(maskedDatabaseUrl('postgres://tessera:s%40cret@db:5432/tessera')).toBe('postgres://tessera:***@db:5432/tessera');
    expect(maskedDatabaseUrl('postgres://tessera@db/tessera?password=secret&sslmode=require')).toBe(
      'postgres://tessera@db/tessera?password=***&sslmode=require',
    );
    expect(maskedDatabaseUrl('postgres://tessera@db/tessera')).toBe('postgres://tessera@db/tessera');
  });

  it('names the PostgreSQL database, or the embedded DATA_DIR as an absolute path', () => {
    expect(describeResetTarget({ DATABASE_URL: 'postgres://u:pw@db:5432/app%20dev', DATA_DIR: './data' })).toBe(
      'the PostgreSQL database "app dev" (postgres://u:***@db:5432/app%20dev)',
    );
    expect(describeResetTarget({ DATABASE_URL: 'postgres://u:pw@db', DATA_DIR: './data' })).toBe(
      'the PostgreSQL database (postgres://u:***@db)',
    );
    expect(describeResetTarget({ DATABASE_URL: undefined, DATA_DIR: 'data' })).toBe(
      `the embedded database in DATA_DIR ${process.cwd()}/data`,
    );
  });
});
