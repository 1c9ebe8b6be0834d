import { sealPending } from '../../src/modules/audit/sealer.js';
import { createHarness, type Harness } from './app.js';
import { loginAs } from './auth.js';
import type { Credentials } from './fuzz.js';

/** A harness for fuzzing: limits out of the way, a super-admin (by API key, so no fuzzed logout ends it) and a plain user. */
export async function fuzzHarness(): Promise<{ h: Harness; credentials: Credentials }> {
  const h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000000', MAX_EMAILS_PER_HOUR: '100000' } });
  const admin = await loginAs(h, { roles: ['admin'] });
  const key = await h.app.inject({
    method: 'POST',
    url: '/auth/api-keys',
    headers: admin.headers,
    payload: {
      name: 'fuzz',
      scopes: [...(await h.app.inject({ method: 'GET', url: '/auth/me', headers: admin.headers })).json().permissions],
    },
  });
  if (key.statusCode !== 201) throw new Error(`fuzz: no API key: ${key.body}`);
  const user = await loginAs(h, { roles: ['user'] });
  return { h, credentials: { admin: { 'x-api-key': key.json().key }, user: user.headers } };
}

/** The audit chain after the run, every row sealed first (the harness runs no background jobs), as an operator would check it. */
export async function auditChainReport(h: Harness, credentials: Credentials) {
  while ((await sealPending(h.context.database.primary)) > 0);
  return (await h.app.inject({ method: 'GET', url: '/audit-logs/verify', headers: credentials.admin })).json();
}
