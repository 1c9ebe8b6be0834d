import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { Mutex, withTimeout } from 'async-mutex';
import { type Logger as DrizzleLogger, type ExtractTablesWithRelations, type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { withReplicas } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { type Config, settings } from '../config.js';
import { withDeadline } from '../platform/deadline.js';
import { lockDirectory } from './dir-lock.js';
import {
  createReplicaSet,
  PRIMARY_ONLY,
  type Replica,
  type ReplicaReport,
  type ReplicaSet,
  type WalPosition,
  walPosition,
} from './replicas.js';
import * as schema from './schema/index.js';
import { statementLogger } from './statement-log.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What a query function runs on: the database or an open transaction. */
export type Executor = Db | Tx;

type Row = Record<string, unknown>;

/** One connection held for a sequence of raw statements (migrations, backups, locks). */
export interface Session {
  query<T extends Row = Row>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script as one implicit transaction. */
  exec(script: string): Promise<void>;
}

/** The embedded database's one connection, as the job runner drives it (through the same wait bound). */
export interface EmbeddedConnection {
  query<T extends Row = Row>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(script: string): Promise<{ rows: Row[] }[]>;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Reads and writes that must see the latest data. */
  readonly primary: Db;
  /**
   * Reads that may be stale by up to REPLICA_MAX_LAG (a replica within it, else the primary). A principal's
   * own reads go through `readAfter` with its last write instead (src/platform/reads.ts).
   */
  readonly read: Db;
  /** Reads that may be stale, but not older than `after`: a replica that has replayed it, else the primary. */
  readAfter(after: WalPosition | undefined): Db;
  /** Set when there are replicas: where the primary's WAL is now, and how each replica is doing. */
  readonly replication?: Replication;
  /** The embedded instance, when there is one (the job runner drives it directly). */
  readonly pglite?: EmbeddedConnection;
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** Round-trip time of a trivial query in milliseconds; rejects after `timeoutMs` whatever the database does. */
  ping(timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

export interface Replication {
  /** The primary's current WAL position: taken after a commit, it is at or past that commit. */
  position(): Promise<WalPosition>;
  replicas(): ReplicaReport[];
  readsByTarget(): ReadonlyMap<string, number>;
}

export type DatabaseOptions = Pick<
  Config,
  | 'DATABASE_URL'
  | 'DATABASE_REPLICA_URLS'
  | 'DATA_DIR'
  | 'DB_POOL_SIZE'
  | 'DB_CONNECTION_TIMEOUT'
  | 'DB_IDLE_TIMEOUT'
  | 'DB_STATEMENT_TIMEOUT'
> &
  Partial<Pick<Config, 'REPLICA_MAX_LAG' | 'DB_REPLICA_POOL_SIZE' | 'EMBEDDED_SHARED_BUFFERS' | 'LOG_QUERIES'>>;

/** No connection came free in time (PGlite's one connection or the pool): the request answers 503. */
export class DatabaseWaitTimeoutError extends Error {
  constructor(waitedMs: number) {
    super(`no database connection came free within ${waitedMs} ms`);
  }
}

/** Code used the top-level handle while holding a connection of its own: on PGlite a deadlock, on PostgreSQL a second connection. */
export class TopLevelHandleInTransactionError extends Error {
  constructor(entry: string) {
    super(`the top-level database handle (${entry}) was used inside a transaction: pass the transaction (tx) down instead`);
  }
}

/** Set while the current async context holds a connection (a transaction or a raw session). */
const connectionScope = new AsyncLocalStorage<true>();

const QUERY_ENTRIES = new Set<string | symbol>([
  'select',
  'selectDistinct',
  'selectDistinctOn',
  'insert',
  'update',
  'delete',
  'execute',
  'with',
  '$with',
  '$count',
  'query',
  'refreshMaterializedView',
  'transaction',
]);

function assertNoConnectionHeld(entry: string) {
  if (connectionScope.getStore()) throw new TopLevelHandleInTransactionError(entry);
}

/**
 * Every use case passes its `tx` down; this makes the other way impossible rather than merely wrong.
 * A top-level query inside a transaction would wait, on PGlite's single connection, for the very
 * transaction that waits for it; on PostgreSQL it silently takes a second pool connection per request.
 */
export function guardTopLevel(db: Db): Db {
  return new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (!QUERY_ENTRIES.has(property)) return typeof value === 'function' ? value.bind(target) : value;
      assertNoConnectionHeld(String(property));
      if (property !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
      return (fn: (tx: Tx) => Promise<unknown>, config?: unknown) =>
        target.transaction((tx) => connectionScope.run(true, () => fn(tx)), config as never);
    },
  });
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.DATABASE_URL
    ? openPostgres(options.DATABASE_URL, options)
    : openPglite(embeddedDatabaseDir(options.DATA_DIR), {
        waitMs: options.DB_CONNECTION_TIMEOUT,
        sharedBuffers: options.EMBEDDED_SHARED_BUFFERS ?? settings.EMBEDDED_SHARED_BUFFERS.default,
        logQueries: options.LOG_QUERIES,
      });
}

/** Where PGlite keeps its files inside DATA_DIR. */
export const embeddedDatabaseDir = (dataDir: string) => `${dataDir}/db`;

/** The lock file beside an embedded database directory: whoever holds it is the directory's one opener. */
export const embeddedLockFile = (databaseDir: string) => `${databaseDir}.lock`;

/**
 * PGlite is one connection. Every use of it queues behind one gate whose wait is bounded: a caller that
 * has not got the connection within `waitMs` is refused (and dropped from the queue, so its work never
 * runs late), instead of waiting forever behind a long or stuck transaction.
 *
 * Two processes on one PGlite directory destroy it, so the directory's lock is taken before any of its
 * files is read: a second opener gets DirectoryLockedError and touches nothing.
 */
export async function openPglite(
  dataDir: string,
  options: { waitMs?: number; sharedBuffers: string; logQueries?: boolean },
): Promise<Database> {
  const { waitMs = 10_000, sharedBuffers } = options;
  // Loaded only here: a node on PostgreSQL never needs the embedded engine (8 MB resident, 50 MB through tsx).
  const [{ PGlite }, { pg_trgm }, { unaccent }, { drizzle: drizzlePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite/contrib/unaccent'),
    import('drizzle-orm/pglite'),
  ]);
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDirectory(embeddedLockFile(dataDir));
  let client: PGlite;
  try {
    client = new PGlite(dataDir, {
      // Directories made before PGlite 0.4 hold Tessera's tables in template1, the database PGlite served then;
      // 0.4 serves `postgres` unless told, so every directory, old or new, is opened on template1.
      database: 'template1',
      extensions: { pg_trgm, unaccent },
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`],
    });
    await client.waitReady;
  } catch (error) {
    lock.release();
    // The engine's own words ("Aborted(). Build with -sASSERTIONS for more info.") tell an operator nothing.
    throw /Aborted\(\)/.test(String(error)) ? new UnopenableDatabaseError(dataDir, error) : error;
  }
  const gate = withTimeout(new Mutex(), waitMs, new DatabaseWaitTimeoutError(waitMs));
  const exclusive = <T>(fn: () => Promise<T>) => gate.runExclusive(fn);
  const gated = {
    query: (...args: Parameters<PGlite['query']>) => exclusive(() => client.query(...args)),
    exec: (...args: Parameters<PGlite['exec']>) => exclusive(() => client.exec(...args)),
    transaction: (...args: Parameters<PGlite['transaction']>) => exclusive(() => client.transaction(...args)),
  };
  const logger = statementLogger(options.logQueries);
  const primary = guardTopLevel(drizzlePglite(gated as unknown as PGlite, { schema, logger }) as unknown as Db);
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
    readAfter: () => primary,
    pglite: gated as EmbeddedConnection,
    // The session holds the one connection for its whole run, so a script's BEGIN … COMMIT is not interleaved.
    withSession: (fn) => {
      assertNoConnectionHeld('withSession');
      return exclusive(() => connectionScope.run(true, () => fn(session)));
    },
    ping: (timeoutMs) => timed(primary, timeoutMs),
    close: async () => {
      try {
        // After the statement in flight: PGlite 0.4 closed under a running query traps in its WebAssembly again
        // and again, and the process never exits. A transaction that outlasts the wait is cut short all the same.
        // PGlite 0.4 ends its runtime with status 0 as it closes, which sets process.exitCode: the process keeps its own.
        const exitCode = process.exitCode;
        await exclusive(() => client.close())
          .catch((error) => {
            if (!(error instanceof DatabaseWaitTimeoutError)) throw error;
            return client.close();
          })
          .finally(() => {
            process.exitCode = exitCode;
          });
      } finally {
        lock.release();
      }
    },
  };
}

/** PGlite aborted while reading the directory's files: they are damaged, and opening them again will not help. */
export class UnopenableDatabaseError extends Error {
  constructor(
    readonly databaseDir: string,
    cause: unknown,
  ) {
    super(`the embedded database in ${databaseDir} cannot be opened: PGlite aborted reading its files`, { cause });
  }
}

/** The connection was ended because the database gave no answer in time (a stalled network or server). */
export class DatabaseReadTimeoutError extends Error {
  // ETIMEDOUT, as the socket layer names a peer that stopped answering: the request answers 503.
  readonly code = 'ETIMEDOUT';
  constructor(waitedMs: number, cause: unknown) {
    super(`the database gave no answer within ${waitedMs} ms; the connection was closed`, { cause });
  }
}

type QueryFn = (...args: unknown[]) => unknown;

const isRollback = (query: unknown) =>
  /^\s*rollback\s*$/i.test(typeof query === 'string' ? query : ((query as { text?: string })?.text ?? ''));

/**
 * A connection can break while a request holds it: reset in the middle of a transaction, or silent (a
 * stalled network, packets dropped). Either way the request's query rejects (503), the process lives,
 * and the connection is never reused: pg-pool discards a released client that has ended or is no
 * longer queryable, and the next checkout opens a fresh one, so service resumes as soon as the
 * database answers again.
 */
function guardConnection(client: pg.PoolClient, readTimeoutMs: number) {
  let broken = false;
  // Without a listener, a socket error on a checked-out client is an unhandled 'error' event and the
  // process exits. node-postgres has already rejected the client's pending queries with that error.
  client.on('error', () => {
    broken = true;
  });
  const query = client.query.bind(client) as QueryFn;
  // The query is still outstanding on this connection and everything queued behind it would wait for it:
  // close the connection (node-postgres destroys the socket of a client with an active query).
  const readTimedOut = (error: unknown) => {
    if ((error as Error | undefined)?.message !== 'Query read timeout') return error;
    broken = true;
    client.end().catch(() => {});
    return new DatabaseReadTimeoutError(readTimeoutMs, error);
  };
  // A connection runs one statement at a time. Code in a transaction may still ask for several at once
  // (Promise.all over one executor): they are sent one after the other, in the order asked, as
  // node-postgres would queue them itself (which it deprecates: pg 9 refuses a query while one runs).
  let previous: Promise<unknown> = Promise.resolve();
  (client as unknown as { query: QueryFn }).query = (...args) => {
    // The server ends an open transaction with its connection; the rollback after the failure has nothing
    // left to do, and failing it would hide the error that tells the client why.
    if (broken && isRollback(args[0])) return Promise.resolve({ command: 'ROLLBACK', rowCount: null, rows: [], fields: [] });
    const last = args[args.length - 1];
    // Callback form (pg-pool's own pool.query): it releases the client with the error, which discards it.
    if (typeof last === 'function') {
      return query(...args.slice(0, -1), (error: unknown, result: unknown) => last(error && readTimedOut(error), result));
    }
    const send = () =>
      (query(...args) as Promise<unknown>).catch((error: unknown) => {
        throw readTimedOut(error);
      });
    const result = previous.then(send, send);
    previous = result.catch(() => {});
    return result;
  };
}

function createPool(connectionString: string, options: DatabaseOptions, size: number): pg.Pool {
  const readTimeoutMs = options.DB_STATEMENT_TIMEOUT + 1000;
  const pool = new pg.Pool({
    connectionString,
    max: size,
    connectionTimeoutMillis: options.DB_CONNECTION_TIMEOUT,
    idleTimeoutMillis: options.DB_IDLE_TIMEOUT,
    // The server ends a runaway statement; the client gives up on a stalled network a little later.
    statement_timeout: options.DB_STATEMENT_TIMEOUT,
    query_timeout: readTimeoutMs,
    // TCP keepalive notices a peer that vanished (host down, route gone) on idle connections too.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  pool.on('connect', (client) => guardConnection(client, readTimeoutMs));
  return pool;
}

/**
 * Transactions take their connection here rather than in drizzle: drizzle's pooled transaction runs
 * BEGIN before its try/finally, so a connection that breaks during BEGIN would never go back to the
 * pool, and after a few such breaks no connection would be left. Each pooled connection gets one
 * drizzle handle of its own, made once.
 */
function transactionsOwnTheirConnection(pool: pg.Pool, db: Db, logger: DrizzleLogger | undefined): Db {
  const onConnection = new WeakMap<pg.PoolClient, Db>();
  const transaction: Db['transaction'] = async (fn, config) => {
    const client = await pool.connect();
    try {
      let handle = onConnection.get(client);
      if (!handle) {
        handle = drizzlePg(client, { schema, logger }) as unknown as Db;
        onConnection.set(client, handle);
      }
      return await handle.transaction(fn, config);
    } finally {
      client.release();
    }
  };
  return Object.assign(db, { transaction });
}

/**
 * What drizzle sends its queries to for one replica: the replica's pool, or the primary's when the replica
 * refuses, resets or stalls (a read may run twice; it changes nothing).
 */
class ReplicaOrPrimary {
  constructor(
    private readonly replicaPool: pg.Pool,
    private readonly primaryPool: pg.Pool,
    private readonly replica: Replica,
    private readonly set: ReplicaSet,
  ) {}

  query(config: pg.QueryConfig, values?: unknown[]) {
    return this.set.readOrFallBack(
      this.replica,
      (lost) => this.onReplica(config, values, lost),
      () => this.primaryPool.query(config, values),
    );
  }

  /**
   * A read the replica stalls on would hold its connection until the read timeout: once the replica has left
   * the rotation the connection is discarded instead (its socket destroyed), so it holds no slot of the pool
   * and no shutdown waits for it.
   */
  private async onReplica(config: pg.QueryConfig, values: unknown[] | undefined, lost: AbortSignal) {
    const client = await this.replicaPool.connect();
    let released = false;
    const release = (error?: Error) => {
      if (released) return;
      released = true;
      client.release(error);
    };
    const discard = () => release(new Error('the replica left the rotation'));
    if (lost.aborted) discard();
    lost.addEventListener('abort', discard, { once: true });
    try {
      return await client.query(config, values);
    } catch (error) {
      release(error as Error);
      throw error;
    } finally {
      lost.removeEventListener('abort', discard);
      release();
    }
  }
}

/** Each replica's read handle: selects on the replica (falling back to the primary), writes on the primary. */
function replicaHandles(primaryPool: pg.Pool, primary: Db, set: ReplicaSet, options: DatabaseOptions, logger?: DrizzleLogger) {
  const size = options.DB_REPLICA_POOL_SIZE ?? options.DB_POOL_SIZE;
  const pools = options.DATABASE_REPLICA_URLS.map((replicaUrl) => createPool(replicaUrl, options, size));
  const handles = new Map<Replica, Db>();
  set.replicas.forEach((replica, index) => {
    const client = new ReplicaOrPrimary(pools[index] as pg.Pool, primaryPool, replica, set);
    const replicaDb = drizzlePg(client as unknown as pg.Pool, { schema, logger }) as unknown as Db;
    handles.set(replica, guardTopLevel(withReplicas(primary, [replicaDb]) as unknown as Db));
  });
  return { handles, pools };
}

export async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = createPool(url, options, options.DB_POOL_SIZE);
  const logger = statementLogger(options.LOG_QUERIES);
  const primary = guardTopLevel(transactionsOwnTheirConnection(pool, drizzlePg(pool, { schema, logger }) as unknown as Db, logger));
  const set =
    options.DATABASE_REPLICA_URLS.length > 0
      ? createReplicaSet(pool, options.DATABASE_REPLICA_URLS, options.REPLICA_MAX_LAG ?? 2000)
      : undefined;
  const { handles, pools: replicaPools } = set ? replicaHandles(pool, primary, set, options, logger) : { handles: new Map(), pools: [] };
  await set?.ready;
  const readAfter = (after: WalPosition | undefined): Db => {
    if (!set) return primary;
    const replica = set.pick(after);
    set.countRead(replica?.name ?? 'primary');
    return (replica && handles.get(replica)) ?? primary;
  };
  return {
    kind: 'postgres',
    primary,
    get read() {
      return readAfter(undefined);
    },
    readAfter,
    ...(set && {
      replication: {
        position: async () => {
          const [row] = await queryRows<{ lsn: string }>(primary, sql`SELECT pg_current_wal_lsn()::text AS lsn`);
          return row ? walPosition(row.lsn) : PRIMARY_ONLY;
        },
        replicas: set.report,
        readsByTarget: set.readsByTarget,
      },
    }),
    withSession: async (fn) => {
      assertNoConnectionHeld('withSession');
      const client = await pool.connect();
      try {
        return await connectionScope.run(true, () =>
          fn({
            query: async <T extends Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
            exec: async (script) => {
              await client.query(script);
            },
          }),
        );
      } finally {
        client.release();
      }
    },
    ping: (timeoutMs) => timed(primary, timeoutMs),
    close: async () => {
      await set?.close();
      await Promise.all([pool.end(), ...replicaPools.map((replicaPool) => replicaPool.end())]);
    },
  };
}

async function timed(db: Db, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await withDeadline(db.execute(sql`select 1`), timeoutMs, () => new DatabaseWaitTimeoutError(timeoutMs));
  return performance.now() - started;
}

/** The row list of a raw `execute`, whichever driver answered. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

export async function queryRows<T>(db: Executor, query: SQL): Promise<T[]> {
  return rowsOf<T>(await db.execute(query));
}
