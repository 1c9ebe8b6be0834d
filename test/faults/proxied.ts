import { openPostgres } from '../../src/db/client.js';
import { createTestDatabase, poolOptions, type TestDatabase } from '../helpers/databases.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true or `ms` have passed; returns how long it took, or throws. */
export async function eventually(probe: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(25);
  }
  return Date.now() - started;
}

/**
 * A fresh test database on the PostgreSQL server, which the app reaches through a TCP proxy and the test
 * checks directly. `db` is for createHarness (disposing it also ends the proxy and drops the database).
 * `through: 'replica'`: the app reaches the database directly as its primary and through the proxy as its
 * one replica (a copy that is always current), so the proxy's faults are a replica's.
 */
export async function postgresThroughProxy(
  settings: Partial<{ DB_POOL_SIZE: number; DB_CONNECTION_TIMEOUT: number; DB_STATEMENT_TIMEOUT: number }>,
  through: 'primary' | 'replica' = 'primary',
) {
  const direct = await createTestDatabase();
  const directUrl = direct.env.DATABASE_URL as string;
  const url = new URL(directUrl);
  const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.host = `127.0.0.1:${proxy.port}`;
  const [primaryUrl, replicaUrls] = through === 'primary' ? [url.toString(), []] : [directUrl, [url.toString()]];
  const database = await openPostgres(primaryUrl, {
    ...poolOptions,
    DATA_DIR: '',
    DATABASE_URL: primaryUrl,
    DATABASE_REPLICA_URLS: replicaUrls,
    ...settings,
  });
  const db: TestDatabase = {
    database,
    env: direct.env,
    dispose: async () => {
      proxy.pass();
      await database.close();
      await proxy.close();
      await direct.dispose();
    },
  };
  return { proxy, direct: direct.database, db };
}
