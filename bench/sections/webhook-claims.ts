import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { type Executor, openDatabase } from '../../src/db/client.js';
import { fitting, type Shares } from '../../src/modules/webhooks/pool.js';
import { claimDue, findDue } from '../../src/modules/webhooks/queries.js';
import type { BenchRow, Driver, Section } from '../lib.js';

const SECTION = 'webhook-claims';
/** A burst's backlog: BENCH_WEBHOOK_DUE deliveries due now (50,000 unless set), spread over the endpoints. */
const dueDeliveries = () => Number(process.env.BENCH_WEBHOOK_DUE ?? 50_000);
const ENDPOINTS = 200;
/** Active endpoints with nothing pending, added for the second measurement: most endpoints, most of the time. */
const IDLE_ENDPOINTS = 20_000;
const ORGANIZATIONS = 20;
const CLAIMS = 15;
/** A node's shares as the worker sets them by default. */
const SHARES: Shares = { slots: 20, perEndpoint: 4, perOrganization: 10 };
const LEASE_MS = 35_000;

/** ORGANIZATIONS organizations with ENDPOINTS active endpoints among them, and the backlog due now, oldest first by id. */
async function fillOutbox(db: Executor) {
  await db.execute(sql`INSERT INTO organizations (id, name, slug)
    SELECT gen_random_uuid(), 'Claims Org ' || n, 'claims-org-' || n FROM generate_series(1, ${ORGANIZATIONS}) AS n`);
  await db.execute(sql`INSERT INTO webhooks (id, url, events, organization_id, secret)
    SELECT gen_random_uuid(), 'https://example.com/hook/' || n, ARRAY['*'], o.id, 'sealed'
    FROM generate_series(1, ${ENDPOINTS}) AS n
    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM organizations) o ON o.k = n % ${ORGANIZATIONS}`);
  await db.execute(sql`INSERT INTO webhook_deliveries (id, webhook_id, event_type, body, next_attempt_at)
    SELECT gen_random_uuid(), w.id, 'user.updated', '{}', now() - interval '1 hour' + n * interval '1 ms'
    FROM generate_series(1, ${dueDeliveries()}) AS n
    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM webhooks) w ON w.k = n % ${ENDPOINTS}`);
  await db.execute(sql`ANALYZE webhook_deliveries`);
}

/** IDLE_ENDPOINTS more active endpoints, each with a delivery it was sent, none pending. */
async function addIdleEndpoints(db: Executor) {
  await db.execute(sql`INSERT INTO webhooks (id, url, events, secret)
    SELECT gen_random_uuid(), 'https://example.com/idle/' || n, ARRAY['*'], 'sealed' FROM generate_series(1, ${IDLE_ENDPOINTS}) AS n`);
  await db.execute(sql`INSERT INTO webhook_deliveries (id, webhook_id, event_type, body, status, delivered_at)
    SELECT gen_random_uuid(), id, 'user.updated', '{}', 'DELIVERED', now() FROM webhooks WHERE url LIKE 'https://example.com/idle/%'`);
  await db.execute(sql`ANALYZE webhooks`);
  await db.execute(sql`ANALYZE webhook_deliveries`);
}

/** One claim as a node with all its slots free makes it: find what is due, take what fits, lease it. */
async function claimOnce(db: Executor) {
  const now = new Date();
  const found = await findDue(db, now, { ...SHARES, limit: SHARES.slots, atCap: { endpoints: [], organizations: [] } });
  return claimDue(db, now, fitting(found, SHARES.slots, SHARES, new Map()), LEASE_MS);
}

const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;

/** CLAIMS claims one after another, each checked to take a whole node's slots; their times in ms. */
async function timeClaims(db: Executor): Promise<number[]> {
  const times: number[] = [];
  for (let claim = 0; claim < CLAIMS; claim++) {
    const started = performance.now();
    const claimed = await claimOnce(db);
    times.push(performance.now() - started);
    if (claimed.length !== SHARES.slots) throw new Error(`a claim took ${claimed.length} deliveries, not ${SHARES.slots}`);
  }
  process.stderr.write(`claim times (ms): ${times.map(roundedMs).join(', ')}\n`);
  return times;
}

const roundedMs = (value: number) => Math.round(value * 100) / 100;

function claimRow(label: string, driver: Driver, times: number[]): BenchRow {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    section: SECTION,
    case: label,
    driver,
    connections: 1,
    runs: times.length,
    reqPerSec: Math.round(1000 / percentile(sorted, 0.5)),
    p50Ms: roundedMs(percentile(sorted, 0.5)),
    p95Ms: roundedMs(percentile(sorted, 0.95)),
    p99Ms: roundedMs(percentile(sorted, 0.99)),
    errors: 0,
  };
}

let measured: BenchRow[] = [];

/**
 * `npm run bench -- --only webhook-claims`: what one claim costs a node after a burst left 50,000 deliveries due
 * over 200 endpoints, then again beside 20,000 endpoints with nothing due: CLAIMS claims one after another each
 * time (each leases 20 more, as a node's successive claims would),
 * timed in this process on the seeded database while no server holds it (PGlite has one opener). The endpoints
 * are then disabled, so the server the run starts does not send the backlog.
 */
export const webhookClaims: Section = {
  name: SECTION,
  async seed(env) {
    const database = await openDatabase(loadConfig({ ...env, LOG_LEVEL: 'silent' }, '/nonexistent/.env'));
    try {
      await fillOutbox(database.primary);
      const busyOnly = await timeClaims(database.primary);
      await addIdleEndpoints(database.primary);
      const withIdle = await timeClaims(database.primary);
      await database.primary.execute(sql`UPDATE webhooks SET status = 'DISABLED'`);
      const driver = ('DATA_DIR' in env ? 'pglite' : 'postgres') as Driver;
      const among = `one claim of ${SHARES.slots} among ${dueDeliveries()} due deliveries to ${ENDPOINTS} endpoints`;
      measured = [
        claimRow(`${among}`, driver, busyOnly),
        claimRow(`${among}, beside ${IDLE_ENDPOINTS} with nothing due`, driver, withIdle),
      ];
    } finally {
      await database.close();
    }
  },
  async run() {
    const rows = measured;
    measured = [];
    return rows;
  },
};
