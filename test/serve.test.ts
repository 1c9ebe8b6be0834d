import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { testDataRoot } from './helpers/databases.js';
import { exitOf, freePort, startServer, waitForHealth } from './helpers/serve.js';

// `npm start` as an operator runs it: embedded PGlite in a fresh DATA_DIR, or the PostgreSQL of DATABASE_URL.
describe('npm start', () => {
  const dataDir = mkdtempSync(`${testDataRoot}serve-`);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves health, docs and the OpenAPI document on PORT/HOST, keeps data across restarts and stops on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      REDIS_URL: '',
      BOOTSTRAP_ADMIN_EMAIL: 'boot@example.com',
      BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap passphrase',
    };
    const firstServer = startServer(env, 'npm');
    const first = firstServer.child;
    const health = await (await waitForHealth(url, firstServer)).json();
    expect(health).toMatchObject({ status: 'ok', database: { status: 'ok', driver: 'pglite' } });
    expect((await fetch(`${url}/docs/`)).status).toBe(200);
    expect((await (await fetch(`${url}/openapi.json`)).json()).openapi).toBe('3.1.0');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^tessera_users_total 1$/m);
    // The start script execs node, so npm's SIGTERM reaches the server itself, which drains and exits 0.
    first.kill('SIGTERM');
    expect(await exitOf(first)).toEqual({ code: 0, signal: null });
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();

    // Restart on the same DATA_DIR: the bootstrap admin is still there and not created twice.
    const secondServer = startServer(env, 'node');
    const second = secondServer.child;
    await waitForHealth(url, secondServer);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^tessera_users_total 1$/m);
    second.kill('SIGTERM');
    expect(await exitOf(second)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
