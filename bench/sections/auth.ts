import type { BenchTarget, Section } from '../lib.js';

const password = 'benchmark passphrase that is long';
const ACCOUNTS = 60;

async function post(target: BenchTarget, path: string, body: object) {
  const res = await fetch(`${target.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.status === 200 ? ((await res.json()) as { accessToken: string; refreshToken: string }) : undefined;
}

/** Sign-in (argon2-bound by design), refresh rotation, and the per-request cost of an authenticated call. */
export const auth: Section = {
  name: 'auth',
  // The limits stay on (their counting is part of each request's cost) but never refuse the load.
  serverEnv: {
    AUTH_RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_TOKEN_RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE: '100000000',
    MAX_EMAILS_PER_HOUR: '100000000',
  },
  async run(target, measure) {
    // Many accounts: one account signed into 50 times at once is what the login throttle exists to stop.
    const emails = Array.from({ length: ACCOUNTS }, (_, index) => `bench${index}@example.com`);
    for (const email of emails) await post(target, '/auth/register', { email, password });
    let next = 0;
    const login = await measure('auth', {
      title: 'POST /auth/login',
      requests: [
        {
          method: 'POST',
          path: '/auth/login',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: emails[next++ % emails.length], password }) }),
        },
      ],
    });

    // A pool of live refresh tokens: each request spends one, and its answer puts the rotated one back.
    // Each run ends with up to 50 requests in flight whose answers are never read, so the pool starts
    // large enough to outlast every run.
    const pool: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const email of emails) pool.push((await post(target, '/auth/login', { email, password }))?.refreshToken ?? '');
    }
    const refresh = await measure('auth', {
      title: 'POST /auth/refresh-token',
      requests: [
        {
          method: 'POST',
          path: '/auth/refresh-token',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: JSON.stringify({ refreshToken: pool.shift() }) }),
          onResponse: (status, body) => {
            if (status === 200) pool.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
          },
        },
      ],
    });

    const signedIn = await post(target, '/auth/login', { email: emails[0] as string, password });
    const me = await measure('auth', {
      title: 'GET /auth/me (Bearer)',
      requests: [{ method: 'GET', path: '/auth/me', headers: { authorization: `Bearer ${signedIn?.accessToken}` } }],
    });
    return [login, refresh, me];
  },
};
