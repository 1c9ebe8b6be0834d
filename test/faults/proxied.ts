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
 */
export async function postgresThroughProxy(settings: {
  DB_POOL_SIZE: number;
  DB_CONNECTION_TIMEOUT: number;
  DB_STATEMENT_TIMEOUT: number;
}) {
  const direct = await createTestDatabase();
  const url = new URL(direct.env.DATABASE_URL as string);
  const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.host = `127.0.0.1:${proxy.port}`;
  const database = await openPostgres(url.toString(), { ...poolOptions, DATA_DIR: '', DATABASE_URL: url.toString(), ...settings });
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
