import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, loginAs } from './helpers/auth.js';
import { runCli } from './helpers/cli.js';

describe('audit log (seed 003)', () => {
  let h: Harness;
  let auditor: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
    auditor = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(() => h.close());

  const get = (url: string) => h.app.inject({ method: 'GET', url, headers: auditor.headers });

  it('records each change in the transaction that made it: actor, entity, before/after, request context, no secrets', async () => {
    const user = await createUser(h);
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: { ...auditor.headers, 'x-request-id': 'req-audit-1', 'user-agent': 'audit-test' },
      payload: { firstName: 'Changed' },
    });
    expect(res.statusCode).toBe(200);
    const rows = (await get(`/audit-logs?entity=user&entityId=${user.id}&action=user.updated`)).json().data;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorId: auditor.userId,
      action: 'user.updated',
      entity: 'user',
      entityId: user.id,
      requestId: 'req-audit-1',
      userAgent: 'audit-test',
      payload: { changes: { firstName: { before: 'Test', after: 'Changed' } } },
    });
    expect(rows[0].ipAddress).toBeTruthy();

    // A refused change leaves neither the change nor its audit row.
    const before = (await get('/audit-logs?limit=200')).json().data.length;
    const clash = await h.app.inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: auditor.headers,
      payload: { email: auditor.user.email },
    });
    expect(clash.statusCode).toBe(409);
    expect((await get('/audit-logs?limit=200')).json().data.length).toBe(before);

    const everything = JSON.stringify((await get('/audit-logs?limit=200')).json());
    expect(everything).not.toMatch(/argon2|correct horse|"password":"[^[]/);
  });

  it('filters by actor, action and time, pages with a cursor', async () => {
    const subject = await createUser(h);
    for (const firstName of ['One', 'Two', 'Three']) {
      await h.app.inject({ method: 'PATCH', url: `/users/${subject.id}`, headers: auditor.headers, payload: { firstName } });
    }
    const byActor = (await get(`/audit-logs?actorId=${auditor.userId}&limit=2`)).json();
    expect(byActor.data).toHaveLength(2);
    expect(byActor.data.every((row: { actorId: string }) => row.actorId === auditor.userId)).toBe(true);
    const next = (await get(`/audit-logs?actorId=${auditor.userId}&limit=2&cursor=${byActor.nextCursor}`)).json();
    expect(next.data[0].id).toBeLessThan(byActor.data[1].id);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`/audit-logs?from=${future}`)).json().data).toEqual([]);
    expect((await get(`/audit-logs?from=${future}&to=${new Date().toISOString()}`)).statusCode).toBe(400);
  });

  it('reports the first tampered row, through the API and the CLI', async () => {
    expect((await get('/audit-logs/verify')).json()).toMatchObject({ valid: true });
    const [target] = await queryRows<{ id: number }>(
      h.context.database.primary,
      sql`SELECT id::int AS id FROM audit_logs ORDER BY id LIMIT 1 OFFSET 2`,
    );
    await h.context.database.primary.execute(sql`UPDATE audit_logs SET payload = '{"forged": true}' WHERE id = ${target?.id}`);
    const report = (await get('/audit-logs/verify')).json();
    expect(report).toMatchObject({ valid: false, firstBrokenId: target?.id, checked: 2 });

    if (h.context.database.kind === 'postgres') {
      const cli = await runCli(['audit', 'verify'], h.db.env);
      expect(cli.code).toBe(2);
      expect(cli.stdout).toContain(`audit chain broken at row ${target?.id}`);
    }

    // Deleting a row instead is caught at the row after the gap.
    await h.context.database.primary.execute(sql`DELETE FROM audit_logs WHERE id = ${target?.id}`);
    const afterDelete = (await get('/audit-logs/verify')).json();
    expect(afterDelete.valid).toBe(false);
    expect(afterDelete.firstBrokenId).toBeGreaterThan(target?.id as number);
  });
});
