import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sql } from 'drizzle-orm';
import { PGlite as PGliteBefore } from 'pglite-v03';
import { pg_trgm } from 'pglite-v03/contrib/pg_trgm';
import { unaccent } from 'pglite-v03/contrib/unaccent';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, embeddedDatabaseDir, openDatabase, rowsOf } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { poolOptions } from './helpers/databases.js';

// A DATA_DIR that an earlier Tessera made with PGlite 0.3 (PostgreSQL 17 too) opens with today's PGlite as it is.
describe('an embedded database made by the PGlite of earlier releases', () => {
  const dataDir = mkdtempSync(`${tmpdir()}/tessera-pglite-0.3-`);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const open = (buffers?: string) =>
    openDatabase({ ...poolOptions, DATA_DIR: dataDir, DATABASE_URL: undefined, EMBEDDED_SHARED_BUFFERS: buffers });
  const facts = async (database: Database) =>
    rowsOf<{ database: string; buffers: string; kept: string }>(
      await database.primary.execute(
        sql`SELECT current_database() AS database, current_setting('shared_buffers') AS buffers, (SELECT name FROM made_before) AS kept`,
      ),
    )[0];

  it('keeps what the earlier engine wrote, takes every migration, and sets its page cache as configured', async () => {
    const before = new PGliteBefore(embeddedDatabaseDir(dataDir), { extensions: { pg_trgm, unaccent } });
    await before.exec(`CREATE TABLE made_before (name text); INSERT INTO made_before VALUES ('kept')`);
    // Where the earlier engine put every table: the database today's must be told to open.
    expect((await before.query<{ database: string }>('SELECT current_database() AS database')).rows[0]?.database).toBe('template1');
    await before.close();

    const small = await open('8MB');
    try {
      expect(await facts(small)).toEqual({ database: 'template1', buffers: '8MB', kept: 'kept' });
      expect((await migrateUp(small)).length).toBeGreaterThan(10);
    } finally {
      await small.close();
    }
    const byDefault = await open();
    try {
      expect(await facts(byDefault)).toEqual({ database: 'template1', buffers: '128MB', kept: 'kept' });
      expect(await migrateUp(byDefault)).toEqual([]);
    } finally {
      await byDefault.close();
    }
  });
});
