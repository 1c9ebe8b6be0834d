import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { withReplicas } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Config } from '../config.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema>;
/** What a query function runs on: the database or an open transaction. */
export type Executor = Db | Tx;

type Row = Record<string, unknown>;

/** One connection held for a sequence of raw statements (migrations, backups, locks). */
export interface Session {
  query<T extends Row = Row>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script as one implicit transaction. */
  exec(script: string): Promise<void>;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Reads and writes that must see the latest data. */
  readonly primary: Db;
  /** Reads that may be slightly stale (lists, search): replicas when configured. */
  readonly read: Db;
  /** The embedded instance, when there is one (the job runner drives it directly). */
  readonly pglite?: PGlite;
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** Round-trip time of a trivial query, in milliseconds. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export type DatabaseOptions = Pick<
  Config,
  'DATABASE_URL' | 'DATABASE_REPLICA_URLS' | 'DATA_DIR' | 'DB_POOL_SIZE' | 'DB_CONNECTION_TIMEOUT' | 'DB_IDLE_TIMEOUT'
>;

export const pgliteExtensions = { pg_trgm, unaccent };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.DATABASE_URL ? openPostgres(options.DATABASE_URL, options) : openPglite(`${options.DATA_DIR}/db`);
}

export async function openPglite(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir, { extensions: pgliteExtensions });
  await client.waitReady;
  const primary = drizzlePglite(client, { schema }) as unknown as Db;
  const session: Session = {
    query: async <T extends Row>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    exec: async (script) => {
      await client.exec(script);
    },
  };
  return {
    kind: 'pglite',
    primary,
    read: primary,
    pglite: client,
    // PGlite is one connection already; its own mutex keeps callers from interleaving.
    withSession: (fn) => fn(session),
    ping: () => timed(primary),
    close: () => client.close(),
  };
}

function createPool(connectionString: string, options: DatabaseOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.DB_POOL_SIZE,
    connectionTimeoutMillis: options.DB_CONNECTION_TIMEOUT,
    idleTimeoutMillis: options.DB_IDLE_TIMEOUT,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

export async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = createPool(url, options);
  const replicaPools = options.DATABASE_REPLICA_URLS.map((replicaUrl) => createPool(replicaUrl, options));
  const primary = drizzlePg(pool, { schema }) as unknown as Db;
  const replicas = replicaPools.map((replicaPool) => drizzlePg(replicaPool, { schema }) as unknown as Db);
  const [firstReplica, ...otherReplicas] = replicas;
  const read = firstReplica ? (withReplicas(primary, [firstReplica, ...otherReplicas]) as unknown as Db) : primary;
  return {
    kind: 'postgres',
    primary,
    read,
    withSession: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn({
          query: async <T extends Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
          exec: async (script) => {
            await client.query(script);
          },
        });
      } finally {
        client.release();
      }
    },
    ping: () => timed(primary),
    close: async () => {
      await Promise.all([pool.end(), ...replicaPools.map((replicaPool) => replicaPool.end())]);
    },
  };
}

async function timed(db: Db): Promise<number> {
  const started = performance.now();
  await db.execute(sql`select 1`);
  return performance.now() - started;
}

/** The row list of a raw `execute`, whichever driver answered. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

export async function queryRows<T>(db: Executor, query: SQL): Promise<T[]> {
  return rowsOf<T>(await db.execute(query));
}
