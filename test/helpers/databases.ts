import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Database, openPglite, openPostgres } from '../../src/db/client.js';
import { migrateDown, migrateUp, migrationsDir } from '../../src/db/migrator.js';

/** Where test databases live; under the project so it is easy to find and ignored by git. */
export const testDataRoot = fileURLToPath(new URL('../../.test-data/', import.meta.url));
const pgliteTemplate = `${testDataRoot}template`;
// One template per checkout, so suites run from two working trees on one server do not drop each other's.
const TEMPLATE_DB = `tessera_test_template_${createHash('sha256').update(testDataRoot).digest('hex').slice(0, 8)}`;

export const serverUrl = process.env.DATABASE_URL;
export const driver = serverUrl ? 'postgres' : 'pglite';

/**
 * The page cache of every embedded test database, and of every `tessera` a test spawns on one: PGlite touches
 * all of it as it opens, and a test database holds a few hundred rows (0.2 s an open instead of 0.6 s).
 */
const embeddedBuffers = { sharedBuffers: '8MB', env: { EMBEDDED_SHARED_BUFFERS: '8MB' } };

export const poolOptions = {
  DATABASE_REPLICA_URLS: [],
  DB_POOL_SIZE: 10,
  DB_CONNECTION_TIMEOUT: 5000,
  DB_IDLE_TIMEOUT: 10_000,
  DB_STATEMENT_TIMEOUT: 30_000,
};

/**
 * The migrations, this file (which says how the template is made) and the PGlite that made it: a change to any
 * makes it again.
 */
function templateFingerprint(): string {
  const hash = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(readFileSync(fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url))));
  for (const name of readdirSync(migrationsDir).sort())
    if (name.endsWith('.sql')) hash.update(name).update(readFileSync(`${migrationsDir}/${name}`));
  return hash.digest('hex');
}

function databaseUrl(name: string): string {
  const url = new URL(serverUrl as string);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(text: string) {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Once per run: a migrated template (a PGlite data dir, or a PostgreSQL template database),
 * so each test file copies it instead of paying for initdb and migrations.
 */
export async function prepareTemplate(): Promise<void> {
  if (serverUrl) {
    await adminQuery(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
    await adminQuery(`CREATE DATABASE ${TEMPLATE_DB}`);
    const database = await openPostgres(databaseUrl(TEMPLATE_DB), { DATA_DIR: '', DATABASE_URL: undefined, ...poolOptions });
    await migrateUp(database);
    await database.close();
    return;
  }
  const fingerprint = templateFingerprint();
  const marker = `${pgliteTemplate}/fingerprint`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === fingerprint) return;
  rmSync(pgliteTemplate, { recursive: true, force: true });
  const database = await openPglite(`${pgliteTemplate}/db`, embeddedBuffers);
  await migrateUp(database);
  await dropUnusedDatabases(database);
  await database.close();
  writeFileSync(marker, fingerprint);
}

/**
 * PGlite serves template1 (its default database); the initdb's `postgres` and `template0` are never opened.
 * Without them the template has half its files, and every test file copies and deletes it faster.
 */
async function dropUnusedDatabases(database: Database) {
  await database.withSession(async (session) => {
    await session.exec(`UPDATE pg_database SET datistemplate = false WHERE datname = 'template0'`);
    await session.exec('DROP DATABASE template0');
    await session.exec('DROP DATABASE postgres');
    await session.exec('CHECKPOINT');
  });
}

export interface TestDatabase {
  database: Database;
  /** DATA_DIR or DATABASE_URL a spawned CLI should use to reach the same database. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

const databaseName = () => `tessera_t_${randomBytes(6).toString('hex')}`;

/** Gives DATA_DIR (created if missing) the migrated template's embedded database, as its `db` directory. */
export function copyPgliteTemplate(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  cpSync(`${pgliteTemplate}/db`, `${dataDir}/db`, { recursive: true });
}

/**
 * A fresh, migrated, empty database for one test file (or one test). `waitMs` bounds the wait for a
 * connection (DB_CONNECTION_TIMEOUT), for tests of a busy database.
 */
export async function createTestDatabase(options: { waitMs?: number } = {}): Promise<TestDatabase> {
  const name = databaseName();
  const waitMs = options.waitMs ?? poolOptions.DB_CONNECTION_TIMEOUT;
  if (serverUrl) {
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
    const url = databaseUrl(name);
    const database = await openPostgres(url, { DATA_DIR: '', DATABASE_URL: url, ...poolOptions, DB_CONNECTION_TIMEOUT: waitMs });
    return {
      database,
      env: { DATABASE_URL: url },
      dispose: async () => {
        await database.close();
        await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const dataDir = `${testDataRoot}${name}`;
  copyPgliteTemplate(dataDir);
  const database = await openPglite(`${dataDir}/db`, { waitMs, ...embeddedBuffers });
  return {
    database,
    env: { DATA_DIR: dataDir, ...embeddedBuffers.env },
    dispose: async () => {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A spawned CLI's database: for PGlite a copy of the template the test process never opens. */
export async function createDetachedDatabase(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }> {
  if (!serverUrl) {
    const dataDir = `${testDataRoot}${databaseName()}`;
    copyPgliteTemplate(dataDir);
    return { env: { DATA_DIR: dataDir }, dispose: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const test = await createTestDatabase();
  await test.database.close();
  const { env } = test;
  return {
    env,
    dispose: () => adminQuery(`DROP DATABASE IF EXISTS ${new URL(env.DATABASE_URL as string).pathname.slice(1)} WITH (FORCE)`),
  };
}

/** Rolls the newest migrations back one by one, down to and including `name`: a migration test's starting point. */
export async function rollBackThrough(database: Database, name: string) {
  for (let rolledBack = await migrateDown(database); rolledBack !== undefined; rolledBack = await migrateDown(database)) {
    if (rolledBack === name) return;
  }
  throw new Error(`${name} was never rolled back`);
}
