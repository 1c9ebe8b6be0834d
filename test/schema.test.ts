import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { seeds } from './fixtures/seed-fields.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';

describe('the schema holds every field and enum of every seed', () => {
  let test: TestDatabase;
  let columns: Set<string>;
  let enums: Map<string, string[]>;

  beforeAll(async () => {
    test = await createTestDatabase();
    const db = test.database.primary;
    const columnRows = await queryRows<{ name: string }>(
      db,
      sql`SELECT table_name || '.' || column_name AS name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    columns = new Set(columnRows.map((row) => row.name));
    const enumRows = await queryRows<{ type: string; value: string }>(
      db,
      sql`SELECT t.typname AS type, e.enumlabel AS value FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid ORDER BY e.enumsortorder`,
    );
    enums = new Map();
    for (const row of enumRows) enums.set(row.type, [...(enums.get(row.type) ?? []), row.value]);
  });
  afterAll(() => test.dispose());

  for (const [seed, map] of Object.entries(seeds)) {
    it(`seed ${seed}: every field has its column`, () => {
      const missing = Object.entries(map.fields).flatMap(([field, target]) =>
        target === null
          ? []
          : [target]
              .flat()
              .filter((column) => !columns.has(column))
              .map((column) => `${field} → ${column}`),
      );
      expect(missing).toEqual([]);
    });

    it(`seed ${seed}: every enum has its values`, () => {
      for (const [name, { type, values }] of Object.entries(map.enums)) {
        expect(enums.get(type), `${name} (${type})`).toEqual(expect.arrayContaining(values));
      }
    });
  }

  it('refuses to store temporary passwords for invitations', () => {
    expect([...columns].filter((column) => column.includes('temporary_password'))).toEqual([]);
  });

  it('indexes users: unique email and phone, newest first, by status, and trigram search', async () => {
    const indexes = await queryRows<{ indexname: string; indexdef: string }>(
      test.database.primary,
      sql`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'users'`,
    );
    const definitions = Object.fromEntries(indexes.map((row) => [row.indexname, row.indexdef]));
    expect(definitions.users_email_unique).toContain('UNIQUE');
    expect(definitions.users_phone_unique).toMatch(/UNIQUE.*WHERE \(phone IS NOT NULL\)/);
    expect(definitions.users_created_at_idx).toContain('created_at DESC');
    expect(definitions.users_status_created_at_idx).toContain('(status, created_at DESC, id DESC)');
    expect(definitions.users_search_trgm_idx).toContain('gin_trgm_ops');
  });

  it('cascades user deletion to owned rows and keeps the audit trail', async () => {
    const fks = await queryRows<{ table_name: string; rule: string }>(
      test.database.primary,
      sql`SELECT conrelid::regclass::text AS table_name, confdeltype AS rule
          FROM pg_constraint c
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
          WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass AND a.attname = 'user_id'
          ORDER BY 1`,
    );
    // c = CASCADE: everything a user owns goes with them.
    expect(fks.length).toBeGreaterThan(10);
    expect(fks.filter((row) => row.rule !== 'c')).toEqual([]);
    const auditFks = await queryRows(
      test.database.primary,
      sql`SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'audit_logs' AND constraint_type = 'FOREIGN KEY'`,
    );
    expect(auditFks).toHaveLength(0);
  });
});
