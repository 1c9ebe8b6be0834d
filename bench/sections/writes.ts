import type autocannon from 'autocannon';
import pg from 'pg';
import type { Section } from '../lib.js';
import { seedUsers } from '../seed-users.js';
import { adminHeaders, adminServerEnv } from '../server.js';

const USERS = 5000;

/**
 * How long audit rows wait for the sealer while the load runs (sampled), and until the last is sealed
 * after it. Code from before sealing existed chains in the request: nothing waits, nothing is sampled.
 */
async function watchSealing(client: pg.Client) {
  const sealed = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'audit_logs' AND column_name = 'seq'`);
  if (sealed.rowCount === 0) return async () => undefined;
  const waiting = async () =>
    (
      await client.query<{ rows: number; oldest: number | null }>(
        `SELECT count(*)::int AS rows, extract(epoch FROM now() - min(created_at))::float AS oldest FROM audit_logs WHERE seq IS NULL`,
      )
    ).rows[0] ?? { rows: 0, oldest: null };
  let most = { rows: 0, oldest: 0 };
  let sample = Promise.resolve();
  const timer = setInterval(() => {
    sample = sample.then(async () => {
      const now = await waiting();
      most = { rows: Math.max(most.rows, now.rows), oldest: Math.max(most.oldest, now.oldest ?? 0) };
    });
  }, 250);
  return async () => {
    clearInterval(timer);
    await sample;
    const ended = Date.now();
    while ((await waiting()).rows > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    process.stderr.write(
      `audit sealing: at most ${most.rows} rows waiting, the oldest ${most.oldest.toFixed(1)} s old; ` +
        `all sealed ${((Date.now() - ended) / 1000).toFixed(1)} s after the load\n`,
    );
  };
}

/** Audited writes from many clients at once: each PATCH is one use case that writes its audit row. */
export const writes: Section = {
  name: 'writes',
  drivers: ['postgres'],
  serverEnv: adminServerEnv,
  async run(target, measure) {
    const url = target.env.DATABASE_URL as string;
    await seedUsers(target.env, USERS);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const ids = (await client.query<{ id: string }>(`SELECT id FROM users WHERE username LIKE 'user%' ORDER BY id`)).rows.map(
        (row) => row.id,
      );
      const headers = { ...(await adminHeaders(target)), 'content-type': 'application/json' };
      // Distinct users, and a new name every time: a change that changes nothing writes nothing.
      let next = 0;
      const rename: autocannon.Request = {
        method: 'PATCH',
        headers,
        setupRequest: (request) => {
          const n = next++;
          return { ...request, path: `/users/${ids[n % ids.length]}`, body: JSON.stringify({ firstName: `Writer ${n}` }) };
        },
      };
      const stopWatching = await watchSealing(client);
      const row = await measure('writes', { title: `PATCH /users/:id (${ids.length} users, audited)`, requests: [rename] });
      await stopWatching();
      return [row];
    } finally {
      await client.end();
    }
  },
};
