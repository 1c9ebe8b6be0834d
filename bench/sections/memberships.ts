import { type BenchRow, type BenchTarget, REFERENCE_CASE, type Section } from '../lib.js';
import { adminHeaders, adminServerEnv } from '../server.js';

const password = 'benchmark member passphrase';
const ORGANIZATIONS = 50;

async function send(target: BenchTarget, headers: Record<string, string>, method: string, path: string, body?: object) {
  const res = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * A person in one organization and a person in fifty: /auth/me and a permission-checked GET /users/:id must
 * cost the same for both (each request reads one membership's profile out of the cached grants), and
 * switching organizations (one statement: membership check, session moved, refresh tokens and audit row; the new
 * access token signed after it) is measured, by many sessions and by one (whose switches race each other and
 * mostly take the locking transaction).
 */
export const memberships: Section = {
  name: 'memberships',
  serverEnv: { ...adminServerEnv, AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '100000000' },
  async run(target, measure) {
    const admin = await adminHeaders(target);
    await send(target, admin, 'POST', '/roles', { name: 'BENCH_READER', permissions: ['users:read'] });
    const organizations: string[] = [];
    for (let index = 0; index < ORGANIZATIONS; index++) {
      organizations.push(
        ((await send(target, admin, 'POST', '/organizations', { name: `Bench ${index}` })).organization as { id: string }).id,
      );
    }
    const [home, second] = organizations as [string, string];
    const person = async (email: string) =>
      (
        (
          await send(target, admin, 'POST', '/users', {
            email,
            firstName: 'B',
            lastName: 'M',
            organizationId: home,
            roles: ['BENCH_READER'],
            password,
          })
        ).user as { id: string }
      ).id;
    const target1 = await person('bench-target@example.com');
    await person('bench-one@example.com');
    const fifty = await person('bench-fifty@example.com');
    for (const organizationId of organizations.slice(1)) {
      await send(target, admin, 'POST', `/organizations/${organizationId}/members`, { userId: fifty, roleIds: ['BENCH_READER'] });
    }
    const bearer = async (email: string) => {
      const signedIn = await send(target, {}, 'POST', '/auth/login', { email, password });
      return { authorization: `Bearer ${signedIn.accessToken as string}` };
    };
    // The reference every other row is a share of, on this server: the box is shared, its load moves.
    const rows: BenchRow[] = [await measure('memberships', { title: REFERENCE_CASE, requests: [{ method: 'GET', path: '/health/live' }] })];
    for (const [title, path] of [
      ['GET /auth/me', '/auth/me'],
      ['GET /users/:id', `/users/${target1}`],
    ] as const) {
      const [one, many] = await measure.alternately('memberships', [
        { title: `${title} (1 organization)`, requests: [{ method: 'GET', path, headers: await bearer('bench-one@example.com') }] },
        {
          title: `${title} (${ORGANIZATIONS} organizations)`,
          requests: [{ method: 'GET', path, headers: await bearer('bench-fifty@example.com') }],
        },
      ]);
      if (!one || !many) throw new Error(`${title}: not measured`);
      const ratio = `req/s ${ORGANIZATIONS} organizations ÷ 1 organization = ${(many.reqPerSec / one.reqPerSec).toFixed(2)}`;
      rows.push(one, { ...many, note: ratio });
    }
    // Back and forth between two organizations: 50 sessions, one per connection (as many people switching would),
    // then one session on every connection (its switches queue on the session's row, one at a time).
    const CONNECTIONS = 50;
    const signedIn: Record<string, string>[] = [];
    for (let index = 0; index < CONNECTIONS; index++) {
      signedIn.push({ ...(await bearer('bench-fifty@example.com')), 'content-type': 'application/json' });
    }
    for (const [title, sessions] of [
      [`POST /auth/switch-organization (${CONNECTIONS} sessions)`, signedIn],
      ['POST /auth/switch-organization (one session)', signedIn.slice(0, 1)],
    ] as const) {
      let flip = 0;
      let handedOut = 0;
      rows.push(
        await measure('memberships', {
          title,
          connections: CONNECTIONS,
          requests: [
            {
              method: 'POST',
              path: '/auth/switch-organization',
              // autocannon's context is per connection: each keeps the session it was handed.
              setupRequest: (request, context: { headers?: Record<string, string> }) => {
                context.headers ??= sessions[handedOut++ % sessions.length];
                return { ...request, headers: context.headers, body: JSON.stringify({ organizationId: flip++ % 2 ? home : second }) };
              },
            },
          ],
        }),
      );
    }
    return rows;
  },
};
