import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type autocannon from 'autocannon';
import pg from 'pg';
import type { BenchRow, Section } from '../lib.js';
import { adminHeaders, adminServerEnv } from '../server.js';

const ORGANIZATIONS = 200;
const BACKLOG = 5000;

/** A receiver that answers 204 at once and counts what it got. */
async function fastReceiver() {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Webhooks: what subscribed endpoints add to each audited write (PATCH /organizations/:id with 0, 1 and 10
 * endpoints subscribed to its event, as a ratio of the 0-endpoint rate in the same run), and how many
 * deliveries per second a node sends to a fast local receiver from an outbox backlog.
 */
export const webhooks: Section = {
  name: 'webhooks',
  drivers: ['postgres'],
  serverEnv: { ...adminServerEnv, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_INTERVAL: '100ms' },
  async run(target, measure) {
    const receiver = await fastReceiver();
    const client = new pg.Client({ connectionString: target.env.DATABASE_URL as string });
    await client.connect();
    try {
      const headers = { ...(await adminHeaders(target)), 'content-type': 'application/json' };
      const post = (path: string, body: unknown) =>
        fetch(`${target.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }).then((res) => res.json());
      const ids: string[] = [];
      for (let n = 0; n < ORGANIZATIONS; n++) ids.push((await post('/organizations', { name: `Bench Org ${n}` })).organization.id);
      let next = 0;
      const patch: autocannon.Request = {
        method: 'PATCH',
        headers,
        setupRequest: (request) => {
          const n = next++;
          return { ...request, path: `/organizations/${ids[n % ids.length]}`, body: JSON.stringify({ description: `write ${n}` }) };
        },
      };
      const rows: BenchRow[] = [];
      let subscribed = 0;
      for (const endpoints of [0, 1, 10]) {
        for (; subscribed < endpoints; subscribed++) await post('/webhooks', { url: receiver.url, events: ['organization.updated'] });
        rows.push(await measure('webhooks', { title: `PATCH /organizations/:id, ${endpoints} endpoints subscribed`, requests: [patch] }));
      }
      const [none, one, ten] = rows.map((row) => row.reqPerSec) as [number, number, number];
      process.stderr.write(
        `writes/s as a ratio of 0 endpoints: 1 endpoint ${(one / none).toFixed(2)}, 10 endpoints ${(ten / none).toFixed(2)}\n`,
      );

      // Let the load's own deliveries finish, then time a backlog written straight into the outbox.
      const pending = async () =>
        Number((await client.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING'`)).rows[0]?.n ?? 0);
      while ((await pending()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const webhookId = (await client.query<{ id: string }>('SELECT id FROM webhooks LIMIT 1')).rows[0]?.id;
      const before = receiver.received();
      const started = performance.now();
      await client.query(
        `INSERT INTO webhook_deliveries (id, webhook_id, event_type, body)
         SELECT gen_random_uuid(), $1, 'organization.updated',
                json_build_object('type', 'organization.updated', 'timestamp', now(), 'data', json_build_object('id', gen_random_uuid(), 'n', n))::text
         FROM generate_series(1, $2) AS n`,
        [webhookId, BACKLOG],
      );
      while (receiver.received() - before < BACKLOG) await new Promise((resolve) => setTimeout(resolve, 20));
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`webhook deliveries: ${BACKLOG} in ${seconds.toFixed(2)} s = ${Math.round(BACKLOG / seconds)} deliveries/s\n`);
      rows.push({
        section: 'webhooks',
        case: `deliveries to a fast local receiver (${BACKLOG} backlog)`,
        driver: target.driver,
        connections: 0,
        runs: 1,
        reqPerSec: Math.round(BACKLOG / seconds),
        p50Ms: 0,
        p95Ms: 0,
        p99Ms: 0,
        errors: 0,
      });
      return rows;
    } finally {
      await client.end();
      await receiver.close();
    }
  },
};
