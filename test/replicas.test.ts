import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openPostgres, queryRows } from '../src/db/client.js';
import { organizations } from '../src/db/schema/index.js';
import { createTestDatabase, serverUrl, type TestDatabase } from './helpers/databases.js';

// Two separate databases stand in for a primary and its replica: different contents show which one answered.
describe.skipIf(!serverUrl)('read replicas (PostgreSQL)', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let routed: Database;

  beforeAll(async () => {
    [primary, replica] = [await createTestDatabase(), await createTestDatabase()];
    await primary.database.primary.insert(organizations).values({ name: 'On primary', slug: 'primary' });
    await replica.database.primary.insert(organizations).values({ name: 'On replica', slug: 'replica' });
    routed = await openPostgres(primary.env.DATABASE_URL as string, {
      DATA_DIR: '',
      DATABASE_URL: primary.env.DATABASE_URL,
      DATABASE_REPLICA_URLS: [replica.env.DATABASE_URL as string],
      DB_POOL_SIZE: 2,
      DB_CONNECTION_TIMEOUT: 5000,
      DB_IDLE_TIMEOUT: 1000,
      DB_STATEMENT_TIMEOUT: 30_000,
    });
  });
  afterAll(async () => {
    await routed.close();
    await primary.dispose();
    await replica.dispose();
  });

  it('sends stale-tolerant reads to a replica and everything else to the primary', async () => {
    const slugs = async (db: Database['read']) =>
      (await db.select({ slug: organizations.slug }).from(organizations)).map((row) => row.slug);
    expect(await slugs(routed.read)).toEqual(['replica']);
    expect(await slugs(routed.primary)).toEqual(['primary']);
    await routed.read.insert(organizations).values({ name: 'Written through read handle', slug: 'write' });
    const [row] = await queryRows<{ count: number }>(primary.database.primary, sql`SELECT count(*)::int AS count FROM organizations`);
    expect(row?.count).toBe(2);
  });
});
