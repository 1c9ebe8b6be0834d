/**
 * Does POST /auth/register take as long for a taken address as for a free one? Interleaved pairs (the
 * order alternates, ABBA, so drift in the machine's load falls on both sides alike) through the real app
 * in process, on a fresh embedded database, or with DATABASE_URL on a fresh database of its own on that
 * server (dropped afterwards) and REDIS_URL when set; prints each side's quartiles and the difference of
 * the medians.
 *
 *   npx tsx scripts/register-timing.ts            # 40 pairs
 *   PAIRS=100 npx tsx scripts/register-timing.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/startup.js';

const PAIRS = Number(process.env.PAIRS ?? 40);
const WARM_UP = 5;
const password = 'a registration passphrase';

const quartiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { q1: at(0.25), median: at(0.5), q3: at(0.75) };
};
const ms = (value: number) => value.toFixed(1);

/** Runs one statement on the server's maintenance database (creating or dropping the run's own). */
async function onServer(serverUrl: string, statement: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-register-timing-'));
const serverUrl = process.env.DATABASE_URL;
const ownDatabase = `tessera_register_timing_${process.pid}`;
const databaseUrl = serverUrl ? Object.assign(new URL(serverUrl), { pathname: `/${ownDatabase}` }).toString() : undefined;
if (serverUrl) await onServer(serverUrl, `CREATE DATABASE ${ownDatabase}`);
const config = loadConfig(
  {
    LOG_LEVEL: 'silent',
    JOBS_ENABLED: 'false',
    PUBLIC_URL: 'https://tessera.test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: `tessera-register-timing-${process.pid}:`,
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    // Every taken address gets its owner's mail; the cap would otherwise make later rounds cheaper.
    MAX_EMAILS_PER_HOUR: '1000000',
  },
  '/nonexistent/.env',
);
const context = await createContext(config);
const app = await buildApp(context);
await prepareDatabase(context, app.log);
await app.ready();

const register = async (email: string) => {
  const started = performance.now();
  const res = await app.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
  if (res.statusCode !== 202) throw new Error(`register ${email}: ${res.statusCode} ${res.body}`);
  return performance.now() - started;
};

try {
  const taken = 'taken@example.com';
  await register(taken);
  const times = { taken: [] as number[], free: [] as number[] };
  for (let round = -WARM_UP; round < PAIRS; round++) {
    const free = `free-${process.pid}-${round + WARM_UP}@example.com`;
    const pair = round % 2 === 0 ? [taken, free] : [free, taken];
    for (const email of pair) {
      const took = await register(email);
      if (round >= 0) times[email === taken ? 'taken' : 'free'].push(took);
    }
  }
  const [t, f] = [quartiles(times.taken), quartiles(times.free)];
  console.log(`driver: ${context.database.kind}, ${PAIRS} interleaved pairs (ms, quartiles)`);
  console.log(`taken address: ${ms(t.q1)} | ${ms(t.median)} | ${ms(t.q3)}`);
  console.log(`free address:  ${ms(f.q1)} | ${ms(f.median)} | ${ms(f.q3)}`);
  console.log(`medians differ by ${ms(f.median - t.median)} ms (free - taken)`);
} finally {
  await app.close();
  await context.state.close();
  await context.database.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (serverUrl) await onServer(serverUrl, `DROP DATABASE ${ownDatabase}`);
}
