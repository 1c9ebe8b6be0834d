/**
 * Soak test of `npm start` on a fresh DATA_DIR (embedded PGlite, default settings): at each checkpoint
 * (seconds after start; SOAK_CHECKPOINTS, default 0,65,130 — past two signing-key reloads) one client and
 * then 20 concurrent clients register, sign in, refresh and read /auth/me; then SIGTERM must end the
 * process within 5 s. Every request has a deadline, so a hang fails the run instead of stalling it.
 *
 *   npm run soak                          # CI: about 2 minutes 20 seconds
 *   SOAK_CHECKPOINTS=0,65,130,600 npm run soak
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';

const REQUEST_DEADLINE_MS = 15_000;
const SHUTDOWN_LIMIT_MS = 5_000;
const CONCURRENT_CLIENTS = 20;
const ADMIN = { email: 'soak-admin@example.com', password: 'soak admin passphrase 1' };
const checkpoints = (process.env.SOAK_CHECKPOINTS ?? '0,65,130').split(',').map(Number);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function client(base: string) {
  return async (method: string, path: string, body?: object, token?: string) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
}

type Call = ReturnType<typeof client>;

function expectStatus(step: string, actual: number, expected: number) {
  if (actual !== expected) throw new Error(`${step}: expected ${expected}, got ${actual}`);
}

let people = 0;
/** One person's whole journey: register, sign in, refresh, /auth/me with the refreshed token. */
async function journey(call: Call) {
  const email = `soak-${process.pid}-${++people}@example.com`;
  const password = `soak passphrase number ${people}`;
  expectStatus('register', (await call('POST', '/auth/register', { email, password })).status, 202);
  const login = await call('POST', '/auth/login', { email, password });
  expectStatus('login', login.status, 200);
  const refresh = await call('POST', '/auth/refresh-token', { refreshToken: login.json.refreshToken });
  expectStatus('refresh', refresh.status, 200);
  const me = await call('GET', '/auth/me', undefined, refresh.json.accessToken);
  expectStatus('/auth/me', me.status, 200);
  if (me.json.email !== email) throw new Error('/auth/me answered for somebody else');
}

async function waitForHealth(call: Call, server: ChildProcess) {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode} before answering`);
    try {
      if ((await call('GET', '/health')).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  throw new Error('the server never answered /health');
}

async function stop(server: ChildProcess): Promise<number> {
  const started = performance.now();
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const result = await Promise.race([exited.then(() => 'exited'), sleep(SHUTDOWN_LIMIT_MS * 2).then(() => 'hung')]);
  if (result === 'hung') server.kill('SIGKILL');
  return performance.now() - started;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-soak-'));
  const port = await freePort();
  const call = client(`http://127.0.0.1:${port}`);
  const server = spawn(process.execPath, ['bin/tessera.js', 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      // Every soak client shares one IP; the per-IP credential and token limits are not what this run measures.
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: '100000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let failure: unknown;
  try {
    await waitForHealth(call, server);
    const startedAt = performance.now();
    const admin = await call('POST', '/auth/login', ADMIN);
    expectStatus('admin sign-in', admin.status, 200);
    for (const checkpoint of checkpoints) {
      const wait = checkpoint * 1000 - (performance.now() - startedAt);
      if (wait > 0) await sleep(wait);
      const began = performance.now();
      await journey(call);
      await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, () => journey(call)));
      expectStatus('admin /auth/me', (await call('GET', '/auth/me', undefined, admin.json.accessToken)).status, 200);
      console.log(
        `soak: ${checkpoint}s after start: 1 + ${CONCURRENT_CLIENTS} concurrent journeys in ${Math.round(performance.now() - began)} ms`,
      );
    }
  } catch (error) {
    failure = error;
  }
  const stoppedIn = await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`soak: SIGTERM to exit in ${Math.round(stoppedIn)} ms`);
  if (failure) throw failure;
  if (stoppedIn > SHUTDOWN_LIMIT_MS) throw new Error(`shutdown took ${Math.round(stoppedIn)} ms (limit ${SHUTDOWN_LIMIT_MS} ms)`);
  console.log('soak: passed');
}

main().catch((error: unknown) => {
  console.error(`soak: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
