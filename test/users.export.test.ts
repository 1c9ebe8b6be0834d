import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { enrolAuthenticator, loginAs } from './helpers/auth.js';
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
});
