import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { enrolAuthenticator, loginAs } from './helpers/auth.js';
import { startLoggedApp } from './helpers/logs.js';
import { totpCode } from './helpers/totp.js';

/** The GDPR export holds what every module keeps about the person, and none of their secrets. */
describe('users: the data export, module by module', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({
      config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', SIGNING_KEY_SECRET: 'ab'.repeat(32), MFA_REMEMBER_DEVICE_DAYS: '30' },
    });
  });
  afterAll(() => h.close());

  const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T & Record<string, unknown>>(h.context.database.primary, query);

  it('holds the second factors and the remembered browsers, without a secret or a token', async () => {
    const person = await enrolAuthenticator(h);
    const { mfaToken } = (
      await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: person.user.email, password: person.user.password } })
    ).json();
    const verified = await h.app.inject({
      method: 'POST',
      url: '/auth/mfa/verify',
      payload: { mfaToken, method: 'totp', code: totpCode(person.secret, person.step + 1), rememberDevice: true },
    });
    expect(verified.statusCode).toBe(200);
    const cookie = String(verified.headers['set-cookie']).split(';')[0] as string;

    const res = await h.app.inject({ method: 'GET', url: '/users/me/export', headers: person.headers });
    expect(res.statusCode).toBe(200);
    const exported = res.json();
    expect(exported.mfaFactors).toEqual([expect.objectContaining({ id: person.factorId, kind: 'totp' })]);
    expect(exported.rememberedDevices).toEqual([expect.objectContaining({ id: expect.any(String), expiresAt: expect.any(String) })]);
    const [factor] = await rows<{ secret: string }>(sql`SELECT secret FROM mfa_factors WHERE id = ${person.factorId}`);
    const [device] = await rows<{ token_hash: string }>(
      sql`SELECT token_hash FROM mfa_remembered_devices WHERE user_id = ${person.userId}`,
    );
    for (const secret of [person.secret, factor?.secret, device?.token_hash, cookie.split('=')[1], ...person.recoveryCodes])
      expect(res.body).not.toContain(secret);
  });

  it('holds the whole audit trail, past a page and past the 10,000 rows it was once cut at', async () => {
    const person = await loginAs(h);
    // Rows about the person made in one statement (each a moment after the last): more than two pages of the trail's reading.
    const made = 10_050;
    await h.context.database.primary.execute(sql`
      INSERT INTO audit_logs (action, entity, entity_id, created_at)
      SELECT 'user.updated', 'user', ${person.userId}, clock_timestamp() FROM generate_series(1, ${made})`);

    const res = await h.app.inject({ method: 'GET', url: '/users/me/export', headers: person.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const trail = res.json().auditTrail as { action: string; createdAt: string }[];
    const [held] = await rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE actor_id = ${person.userId} OR entity_id = ${person.userId}`,
    );
    expect(trail).toHaveLength(held?.n as number);
    expect(trail.filter((entry) => entry.action === 'user.updated')).toHaveLength(made);
    // Newest first, the export itself at the top: the pages follow each other.
    expect(trail[0]?.action).toBe('user.exported');
    const times = trail.map((entry) => Date.parse(entry.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('holds the invitations that name the person, without their token', async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const made = await h.app.inject({
      method: 'POST',
      url: '/users',
      headers: admin.headers,
      payload: { email: 'export-my-invitation@example.com', name: 'Ex Ported' },
    });
    expect(made.statusCode).toBe(201);
    const res = await h.app.inject({ method: 'GET', url: `/users/${made.json().user.id}/export`, headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json().invitations).toEqual([
      expect.objectContaining({ purpose: 'SET_PASSWORD', status: 'PENDING', email: 'export-my-invitation@example.com' }),
    ]);
    const [invitation] = await rows<{ token_hash: string }>(
      sql`SELECT token_hash FROM user_invitations WHERE user_id = ${made.json().user.id}`,
    );
    expect(res.body).not.toContain(invitation?.token_hash);
  });

  /**
   * The trail is read after the answer's head and first parts are sent: a read that fails there cannot become an error
   * status. The fault is real: audit_logs becomes a view that takes the export's own audit row but refuses every read.
   */
  it('breaks off an export whose trail cannot be read midway, so the client never holds a cut file as whole, and logs why', async () => {
    const person = await loginAs(h);
    const logged = await startLoggedApp(h);
    const db = h.context.database.primary;
    try {
      const url = `http://127.0.0.1:${await listening(logged.app)}/users/me/export`;
      await db.execute(sql`ALTER TABLE audit_logs RENAME TO audit_logs_kept`);
      await db.execute(sql`CREATE FUNCTION refuse_trail_read() RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected fault: the trail cannot be read'; END $$`);
      await db.execute(sql`CREATE VIEW audit_logs AS SELECT * FROM audit_logs_kept WHERE refuse_trail_read()`);
      const res = await fetch(url, { headers: person.headers });
      expect([res.status, res.headers.get('transfer-encoding')]).toEqual([200, 'chunked']);
      await expect(res.text()).rejects.toThrow(/terminated/);
      // Fastify destroys the connection of a streamed answer that fails once its head is sent, and logs the cause (warn).
      const warnings = logged.lines.map((line) => JSON.parse(line)).filter((line) => line.level >= 40);
      expect(warnings.map((line) => line.err?.message)).toContainEqual(expect.stringContaining('injected fault: the trail cannot be read'));
    } finally {
      await db.execute(sql`DROP VIEW IF EXISTS audit_logs`);
      await db.execute(sql`DROP FUNCTION IF EXISTS refuse_trail_read()`);
      await db.execute(sql`ALTER TABLE IF EXISTS audit_logs_kept RENAME TO audit_logs`);
      await logged.close();
    }
  });
});

/** Listens on a free port of the loopback; the port. */
async function listening(app: Awaited<ReturnType<typeof startLoggedApp>>['app']) {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}
