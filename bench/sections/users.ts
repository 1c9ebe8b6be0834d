import type autocannon from 'autocannon';
import { cursorPages } from '../cursor-pages.js';
import type { Section } from '../lib.js';
import { seedUsers } from '../seed-users.js';
import { adminHeaders, adminServerEnv } from '../server.js';

/** The user queries' targets at scale: lookup < 10 ms, list < 50 ms, search < 200 ms, on a million users. */
export const users: Section = {
  name: 'users',
  drivers: ['postgres'],
  serverEnv: adminServerEnv,
  async run(target, measure) {
    const count = Number(process.env.BENCH_USERS ?? 1_000_000);
    const started = Date.now();
    const ids = await seedUsers(target.env, count);
    process.stderr.write(`seeded ${count} users with profiles and roles in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    const headers = await adminHeaders(target);

    let next = 0;
    const terms = ['lovelace', 'zoe', 'muller', 'garcia.ibanez', 'grace hop', 'sofia', 'user12345'];
    const byId: autocannon.Request = {
      method: 'GET',
      headers,
      setupRequest: (request) => ({ ...request, path: `/users/${ids[next++ % ids.length]}` }),
    };
    const bySearch: autocannon.Request = {
      method: 'GET',
      headers,
      setupRequest: (request) => ({
        ...request,
        path: `/users?limit=20&search=${encodeURIComponent(terms[next++ % terms.length] as string)}`,
      }),
    };
    const counted: autocannon.Request = { method: 'GET', headers, path: '/users?role=user&status=ACTIVE&page=1&limit=20' };
    const lookup = await measure('users', { title: `GET /users/:id (${count} users)`, requests: [byId] });
    const search = await measure('users', { title: 'GET /users?search= (trigram)', requests: [bySearch] });

    // Deep pages: follow the keyset cursor, each connection walking further into the list.
    const firstPage = async () =>
      ((await (await fetch(`${target.baseUrl}/users?role=user&status=ACTIVE&limit=20`, { headers })).json()) as { nextCursor: string })
        .nextCursor;
    const cursors: string[] = [];
    for (let i = 0; i < 60; i++) cursors.push(await firstPage());
    const deep = await measure('users', {
      title: 'GET /users?role=user&status=ACTIVE (cursor pages)',
      requests: [cursorPages('/users?role=user&status=ACTIVE&limit=20', headers, cursors)],
    });

    const countedPage = await measure('users', {
      title: 'GET /users?role=user&status=ACTIVE&page=1 (with total)',
      connections: 10,
      requests: [counted],
    });

    // One client at a time: the latency of a single request, the figure those targets speak of.
    const single = [
      await measure('users', { title: 'GET /users/:id, 1 connection', connections: 1, requests: [byId] }),
      await measure('users', { title: 'GET /users?search=, 1 connection', connections: 1, requests: [bySearch] }),
      await measure('users', { title: 'GET /users?role&status page=1 with total, 1 conn.', connections: 1, requests: [counted] }),
    ];
    return [lookup, search, deep, countedPage, ...single];
  },
};
