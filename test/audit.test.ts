import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { sealPending } from '../src/modules/audit/sealer.js';
import { verifyAuditChain } from '../src/modules/audit/service.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { sealAsChainVersion2 } from './helpers/audit.js';
import { createUser, harnessWithAdmin, loginAs } from './helpers/auth.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, driver } from './helpers/databases.js';

/** What verify answers of a chain with nothing wrong and nothing erased, all of it sealed. */
const intact = { valid: true, unsealed: 0, erased: 0, erasedLinkOnly: 0 };

const idOfSeq = async (h: Harness, seq: number) =>
  (await queryRows<{ id: number }>(h.context.database.primary, sql`SELECT id::int AS id FROM audit_logs WHERE seq = ${seq}`))[0]?.id;

describe('audit log', () => {
  let h: Harness;
  let auditor: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    ({ h, admin: auditor } = await harnessWithAdmin());
  });
  afterAll(() => h.close());

  const get = (url: string) => h.app.inject({ method: 'GET', url, headers: auditor.headers });
  const rename = (id: string, firstName: string) =>
    h.app.inject({ method: 'PATCH', url: `/users/${id}`, headers: auditor.headers, payload: { firstName } });
  const seal = () => sealPending(h.context.database.primary);

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
    // Whatever the case a client writes the entity in.
    expect((await get(`/audit-logs?entity=User&entityId=${user.id}&action=user.updated`)).json().data).toEqual(rows);
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

  it("writes a use case's events in order at its end, and none that a failed savepoint emitted", async () => {
    const entityId = randomUUID();
    const { useCases } = h.app.modules;
    const created = (name: string) => ({ type: 'organization.created' as const, entityId, payload: { name, slug: name.toLowerCase() } });
    await useCases.run(systemCaller('audit-test'), async (tx, emit) => {
      await emit(created('Kept'));
      const lost = useCases.savepoint(tx, async (savepoint) => {
        await emit(created('Rolled back'));
        await savepoint.execute(sql`SELECT 1 / 0`);
      });
      await expect(lost).rejects.toThrow();
      await emit(created('Also kept'));
    });
    const rows = await queryRows<{ name: string }>(
      h.context.database.primary,
      sql`SELECT payload->>'name' AS name FROM audit_logs WHERE entity_id = ${entityId} ORDER BY id`,
    );
    expect(rows.map((row) => row.name)).toEqual(['Kept', 'Also kept']);
  });

  it('writes the audit rows of a use case with more events than one statement can bind', async () => {
    const entityId = randomUUID();
    // Ten bound parameters a row: 7,000 rows are more than PostgreSQL binds in one statement (65,535).
    await h.app.modules.useCases.run(systemCaller('audit-test'), async (_tx, emit) => {
      for (let i = 0; i < 7_000; i++)
        await emit({ type: 'organization.created', entityId, payload: { name: `Sweep ${i}`, slug: `sweep-${i}` } });
    });
    const [row] = await queryRows<{ rows: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS rows FROM audit_logs WHERE entity_id = ${entityId}`,
    );
    expect(row?.rows).toBe(7_000);
  }, 90_000);

  // People type their password into the identifier field: the trail keeps an account's own identifier, never what was typed.
  it("keeps of a failed sign-in the account's stored identifier, and nothing of one no account has", async () => {
    const user = await createUser(h, { username: 'failing-person' });
    const signIn = (identifier: { email: string } | { username: string }) =>
      h.app.inject({ method: 'POST', url: '/auth/login', payload: { ...identifier, password: 'not the password at all' } });
    expect((await signIn({ username: 'hunter2-secret' })).statusCode).toBe(401);
    expect((await signIn({ email: 'hunter2-secret@example.com' })).statusCode).toBe(401);
    expect((await signIn({ email: user.email.toUpperCase() })).statusCode).toBe(401);
    expect((await signIn({ username: 'FAILING-PERSON' })).statusCode).toBe(401);

    const db = h.context.database.primary;
    const [traces] = await queryRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE audit_logs::text ILIKE '%hunter2%'`,
    );
    expect(traces?.n).toBe(0);
    const failures = await queryRows<{ entityId: string | null; payload: unknown }>(
      db,
      sql`SELECT entity_id AS "entityId", payload FROM audit_logs WHERE action = 'auth.login_failed' ORDER BY id DESC LIMIT 4`,
    );
    expect(failures.reverse()).toEqual([
      { entityId: null, payload: { identifier: null, reason: 'unknown_account' } },
      { entityId: null, payload: { identifier: null, reason: 'unknown_account' } },
      { entityId: user.id, payload: { identifier: user.email, reason: 'wrong_password' } },
      { entityId: user.id, payload: { identifier: 'failing-person', reason: 'wrong_password' } },
    ]);
  });

  it('filters by actor, action and time, pages with a cursor', async () => {
    const subject = await createUser(h);
    for (const firstName of ['One', 'Two', 'Three']) await rename(subject.id, firstName);
    const byActor = (await get(`/audit-logs?actorId=${auditor.userId}&limit=2`)).json();
    expect(byActor.data).toHaveLength(2);
    expect(byActor.data.every((row: { actorId: string }) => row.actorId === auditor.userId)).toBe(true);
    const next = (await get(`/audit-logs?actorId=${auditor.userId}&limit=2&cursor=${byActor.nextCursor}`)).json();
    expect(next.data[0].id).toBeLessThan(byActor.data[1].id);
    // The cursor is opaque: a row id where a cursor belongs is one that was never handed out.
    const rawId = await get(`/audit-logs?cursor=${byActor.data[1].id}`);
    expect([rawId.statusCode, rawId.json().code]).toEqual([400, 'INVALID_CURSOR']);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`/audit-logs?from=${future}`)).json().data).toEqual([]);
    const backwards = await get(`/audit-logs?from=${future}&to=${new Date().toISOString()}`);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().code).toBe('INVALID_RANGE');
  });

  it('writes rows unsealed; the sealer chains them after commit and verify counts what still waits', async () => {
    const subject = await createUser(h);
    await rename(subject.id, 'Waiting');
    const waiting = (await get('/audit-logs/verify')).json();
    expect(waiting.valid).toBe(true);
    expect(waiting.unsealed).toBeGreaterThan(0);
    expect((await get(`/audit-logs?entityId=${subject.id}`)).json().data[0].hash).toBeNull();

    const sealed = await seal();
    expect(sealed).toBe(waiting.unsealed);
    expect((await get('/audit-logs/verify')).json()).toEqual({ ...intact, checked: waiting.checked + sealed });
    expect((await get(`/audit-logs?entityId=${subject.id}`)).json().data[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await seal()).toBe(0);
  });

  it('chains a row that commits after later ids were sealed at the end, in the order it became visible', async () => {
    const db = h.context.database.primary;
    // Its id is taken now, as an insert takes it; the row itself only arrives after a later one is sealed.
    const [{ id: lateId } = { id: 0 }] = await queryRows<{ id: number }>(
      db,
      sql`SELECT nextval(pg_get_serial_sequence('audit_logs', 'id'))::int AS id`,
    );
    const subject = await createUser(h);
    await rename(subject.id, 'Earlier');
    await seal();
    await db.execute(sql`INSERT INTO audit_logs (id, action, entity, created_at) VALUES (${lateId}, 'test.late', 'test', now())`);
    expect(await seal()).toBe(1);
    const [late] = await queryRows<{ seq: number; latest: number }>(
      db,
      sql`SELECT seq::int AS seq, (SELECT max(seq)::int FROM audit_logs) AS latest FROM audit_logs WHERE id = ${lateId}`,
    );
    expect(late?.seq).toBe(late?.latest);
    expect((await verifyAuditChain(db)).valid).toBe(true);
  });

  it('verifies rows that a node of the previous version sealed during a rolling upgrade, then seals new ones over the client digest', async () => {
    const db = h.context.database.primary;
    await seal();
    const subject = await createUser(h);
    await rename(subject.id, 'Upgrading');
    const earlier = await sealAsChainVersion2(db);
    expect(earlier.length).toBeGreaterThan(0);
    expect(earlier.filter((row) => row.ipAddress !== null)).not.toEqual([]);
    expect(await verifyAuditChain(db)).toMatchObject(intact);

    await rename(subject.id, 'Upgraded');
    expect(await seal()).toBeGreaterThan(0);
    const [latest] = await queryRows<{ digest: string | null }>(
      db,
      sql`SELECT client_digest AS digest FROM audit_logs ORDER BY seq DESC LIMIT 1`,
    );
    expect(latest?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAuditChain(db)).toMatchObject(intact);
  });

  it.skipIf(driver !== 'postgres')('keeps one chain when writes commit out of id order and several nodes seal at once', async () => {
    const db = h.context.database.primary;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let heldId = 0;
    const slow = db.transaction(async (tx) => {
      const [row] = await queryRows<{ id: number }>(
        tx,
        sql`INSERT INTO audit_logs (action, entity, created_at) VALUES ('test.slow', 'test', now()) RETURNING id::int AS id`,
      );
      heldId = row?.id ?? 0;
      await held;
    });
    while (heldId === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const subjects = await Promise.all(Array.from({ length: 5 }, () => createUser(h)));
    await Promise.all(subjects.map((subject) => rename(subject.id, 'Concurrent')));
    await Promise.all([seal(), seal(), seal()]);
    release();
    await slow;
    await Promise.all([seal(), seal()]);
    const [counts] = await queryRows<{ rows: number; seqs: number; unsealed: number; behind: boolean }>(
      db,
      sql`SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS seqs, count(*) FILTER (WHERE seq IS NULL)::int AS unsealed,
                 (SELECT seq FROM audit_logs WHERE id = ${heldId}) = max(seq) AS behind
          FROM audit_logs`,
    );
    expect(counts).toEqual({ rows: counts?.seqs, seqs: counts?.rows, unsealed: 0, behind: true });
    expect(await verifyAuditChain(db)).toEqual({ ...intact, checked: counts?.rows });
  });

  it('names a tampered sealed row, and the row after a deleted one, through the API and the CLI', async () => {
    const db = h.context.database.primary;
    await seal();
    expect((await get('/audit-logs/verify')).json()).toMatchObject({ valid: true, unsealed: 0 });

    const target = await idOfSeq(h, 3);
    const [original] = await queryRows<{ action: string; payload: string | null }>(
      db,
      sql`SELECT action, payload::text AS payload FROM audit_logs WHERE id = ${target}`,
    );
    await db.execute(sql`UPDATE audit_logs SET action = 'forged.action' WHERE id = ${target}`);
    const report = (await get('/audit-logs/verify')).json();
    expect(report).toMatchObject({ valid: false, firstBrokenId: target, checked: 2, reason: 'row content does not match its hash' });
    if (driver === 'postgres') {
      const cli = await runCli(['audit', 'verify'], h.db.env);
      expect(cli.code).toBe(2);
      expect(cli.stdout).toContain(`audit chain broken at row ${target}: row content does not match its hash`);
    }
    await db.execute(sql`UPDATE audit_logs SET action = ${original?.action} WHERE id = ${target}`);
    // The payload is covered through its digest (chain version 2), checked on its own.
    await db.execute(sql`UPDATE audit_logs SET payload = '{"forged": true}' WHERE id = ${target}`);
    expect((await get('/audit-logs/verify')).json()).toMatchObject({
      valid: false,
      firstBrokenId: target,
      reason: 'payload does not match its digest',
    });
    await db.execute(sql`UPDATE audit_logs SET payload = ${original?.payload ?? null}::jsonb WHERE id = ${target}`);
    expect((await get('/audit-logs/verify')).json().valid).toBe(true);

    // Deleting a row instead is caught at the row after the gap; unsealing one to have it sealed anew, too.
    const [deleted, after] = [await idOfSeq(h, 4), await idOfSeq(h, 5)];
    await db.execute(sql`DELETE FROM audit_logs WHERE id = ${deleted}`);
    expect((await get('/audit-logs/verify')).json()).toMatchObject({ valid: false, firstBrokenId: after, checked: 3 });
    const resealed = await idOfSeq(h, 2);
    await db.execute(sql`UPDATE audit_logs SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = ${resealed}`);
    await seal();
    expect((await get('/audit-logs/verify')).json()).toMatchObject({ valid: false, firstBrokenId: await idOfSeq(h, 3), checked: 1 });
  });
});

describe('the background sealer', () => {
  it('catches up on rows written while no node sealed, then seals each new row within seconds', async () => {
    const db = await createTestDatabase();
    await db.database.primary.execute(sql`INSERT INTO audit_logs (action, entity, created_at) VALUES ('test.offline', 'test', now())`);
    const h = await createHarness({ db, config: { JOBS_ENABLED: 'true' } });
    try {
      const sealedWithin = async (ms: number) => {
        const started = Date.now();
        while (Date.now() - started < ms) {
          const report = await verifyAuditChain(h.context.database.primary);
          if (report.unsealed === 0) return report;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`rows still unsealed after ${ms} ms`);
      };
      expect(await sealedWithin(5000)).toEqual({ ...intact, checked: 1 });
      const admin = await loginAs(h, { roles: ['admin'] });
      const subject = await createUser(h);
      await h.app.inject({ method: 'PATCH', url: `/users/${subject.id}`, headers: admin.headers, payload: { firstName: 'Soon' } });
      expect((await verifyAuditChain(h.context.database.primary)).unsealed).toBeGreaterThan(0);
      expect((await sealedWithin(5000)).valid).toBe(true);
    } finally {
      await h.close();
    }
  });
});
