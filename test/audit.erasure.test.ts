import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { migrateDown, migrateUp, readMigrations } from '../src/db/migrator.js';
import { payloadDigest } from '../src/modules/audit/chain.js';
import { sealPending } from '../src/modules/audit/sealer.js';
import { subjectsOf } from '../src/platform/erasure.js';
import { createHarness, type Harness } from './helpers/app.js';
import { sealAsChainVersion2 } from './helpers/audit.js';
import { createOrganization, loginAs } from './helpers/auth.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, driver, rollBackThrough } from './helpers/databases.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const MIGRATION = '0021_audit_erasure';
const throughThisMigration = () => readMigrations().filter((file) => file.name <= MIGRATION);

/** Every address the person has had: the first (invited, then registered), the one an administrator set, one pending. */
const addresses = ['erase-first@example.com', 'erase-second@example.com', 'erase-pending@example.com'];
/** Whose request wrote a row, as its user agent says: the person's own, or the administrator's about them. */
const PERSON_AGENT = 'erase-person-browser/1.0';
const ADMIN_AGENT = 'erase-admin-console/1.0';
const naming = (table: 'audit_logs' | 'webhook_deliveries' | 'user_invitations') =>
  sql.raw(`${table}::text ILIKE ANY (ARRAY[${addresses.map((address) => `'%${address}%'`).join(', ')}])`);

describe(`a person's erasure in the audit trail, webhook deliveries and invitations (${driver})`, () => {
  let h: Harness;
  let receiver: WebhookReceiver;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let erasedRows: number;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    h = await createHarness({
      config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_POLL_INTERVAL: '1h' },
    });
    admin = await loginAs(h, { roles: ['admin'] });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  const db = () => h.context.database.primary;
  const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    h.app.inject({ method, url, headers: { ...admin.headers, 'user-agent': ADMIN_AGENT }, ...(payload ? { payload } : {}) });
  const verify = async () => (await h.app.inject({ method: 'GET', url: '/audit-logs/verify', headers: admin.headers })).json();
  const seal = () => sealPending(db());
  const count = async (condition: ReturnType<typeof sql>) =>
    (await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM ${condition}`))[0]?.n;
  const cliVerify = () => runCli(['audit', 'verify'], h.db.env);

  it('erases every payload and delivery naming the person by any of their addresses, and the client of their own requests; the chain says intact, with the erased rows', async () => {
    const subscribed = await send('POST', '/webhooks', { url: receiver.url('/all'), events: ['*'] });
    expect(subscribed.statusCode, subscribed.body).toBe(201);
    const organizationId = await createOrganization(h, admin, 'Erasure Works');
    const invited = await send('POST', `/organizations/${organizationId}/invitations`, { email: addresses[0] });
    expect(invited.statusCode, invited.body).toBe(201);
    const registered = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: { 'user-agent': PERSON_AGENT },
      payload: { email: addresses[0], password: 'a passphrase long enough 42' },
    });
    expect(registered.statusCode).toBe(202);
    const [person] = await queryRows<{ id: string }>(db(), sql`SELECT id FROM users WHERE email = ${addresses[0]}`);
    const id = person?.id as string;
    expect((await send('PATCH', `/users/${id}`, { email: addresses[1] })).statusCode).toBe(200);
    expect((await send('PATCH', `/users/${id}?confirm=true`, { email: addresses[2] })).statusCode).toBe(200);
    await seal();
    // A row of the trail from before chain version 2 (its hash covers the payload itself), about what the person did.
    await db().execute(
      sql`INSERT INTO audit_logs (actor_id, action, entity, payload, created_at)
          VALUES (${id}, 'test.legacy', 'test', jsonb_build_object('email', ${addresses[0]}::text), now())`,
    );
    // One from chain version 2 (its hash covers the client itself), written by the person's own request.
    const legacyPayload = { email: addresses[1] };
    await db().execute(
      sql`INSERT INTO audit_logs (actor_id, action, entity, payload, payload_digest, ip_address, user_agent, created_at)
          VALUES (${id}, 'test.version2', 'test', ${JSON.stringify(legacyPayload)}::jsonb, ${payloadDigest(legacyPayload)},
                  '198.51.100.7', ${PERSON_AGENT}, now())`,
    );
    expect(await sealAsChainVersion2(db())).toHaveLength(2);
    expect((await verify()).valid).toBe(true);
    expect(await count(sql`audit_logs WHERE ${naming('audit_logs')}`)).toBeGreaterThanOrEqual(5);
    expect(await count(sql`audit_logs WHERE user_agent = ${PERSON_AGENT}`)).toBeGreaterThanOrEqual(2);
    const adminRowsAboutThem = await count(sql`audit_logs WHERE user_agent = ${ADMIN_AGENT} AND entity_id = ${id}`);
    expect(adminRowsAboutThem).toBeGreaterThanOrEqual(2);
    expect(await count(sql`webhook_deliveries WHERE ${naming('webhook_deliveries')}`)).toBeGreaterThanOrEqual(3);
    // The invitation to the first address, never accepted (the person signed up instead), still names it.
    expect(await count(sql`user_invitations WHERE ${naming('user_invitations')}`)).toBe(1);

    expect((await send('DELETE', `/users/${id}?hard=true`)).statusCode).toBe(204);

    expect(await count(sql`audit_logs WHERE ${naming('audit_logs')}`)).toBe(0);
    expect(await count(sql`webhook_deliveries WHERE ${naming('webhook_deliveries')}`)).toBe(0);
    expect(await count(sql`user_invitations WHERE ${naming('user_invitations')}`)).toBe(0);
    // Where the person's own requests came from goes; the administrator's rows about them keep the administrator's.
    expect(await count(sql`audit_logs WHERE user_agent = ${PERSON_AGENT} OR ip_address = '198.51.100.7'`)).toBe(0);
    expect(
      await count(sql`audit_logs WHERE client_erased_at IS NOT NULL AND ip_address IS NULL AND user_agent IS NULL`),
    ).toBeGreaterThanOrEqual(2);
    expect(
      await count(
        sql`audit_logs WHERE user_agent = ${ADMIN_AGENT} AND ip_address IS NOT NULL AND entity_id = ${id} AND payload_erased_at IS NOT NULL`,
      ),
    ).toBe(adminRowsAboutThem);
    const erased = await count(sql`audit_logs WHERE payload_erased_at IS NOT NULL OR client_erased_at IS NOT NULL`);
    const [erasure] = await queryRows<{ payload: unknown }>(db(), sql`SELECT payload FROM audit_logs WHERE action = 'user.erased'`);
    expect(erasure?.payload).toEqual({
      erasedRows: { auditTrail: erased, webhookDeliveries: expect.any(Number), invitations: 1, mails: expect.any(Number) },
    });
    erasedRows = erased as number;
    expect(erasedRows).toBeGreaterThanOrEqual(6);

    await seal();
    expect(await verify()).toEqual({
      valid: true,
      checked: await count(sql`audit_logs`),
      unsealed: 0,
      erased: erasedRows,
      erasedLinkOnly: 2,
    });
    if (driver === 'postgres') {
      const cli = await cliVerify();
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(
        new RegExp(
          `^audit chain intact: \\d+ rows, ${erasedRows} erased for a person, 2 of them hashed over what was erased: content erased, link holds\\n$`,
        ),
      );
    }
  });

  it('still names a payload edited after it was written, erased or not, and an erasure no erasure made', async () => {
    const [row] = await queryRows<{ id: number; payload: string }>(
      db(),
      sql`SELECT id::int AS id, payload::text AS payload FROM audit_logs
          WHERE payload_digest IS NOT NULL AND payload_erased_at IS NULL AND payload IS NOT NULL AND action <> 'user.erased'
          ORDER BY seq DESC LIMIT 1`,
    );
    const target = row?.id as number;
    const restore = () =>
      db().execute(sql`UPDATE audit_logs SET payload = ${row?.payload}::jsonb, payload_erased_at = NULL WHERE id = ${target}`);
    const brokenAt = async (reason: string) => {
      expect(await verify()).toMatchObject({ valid: false, firstBrokenId: target, reason });
      await restore();
      expect((await verify()).valid).toBe(true);
    };

    await db().execute(sql`UPDATE audit_logs SET payload = '{"forged": true}' WHERE id = ${target}`);
    if (driver === 'postgres') {
      const cli = await cliVerify();
      expect([cli.code, cli.stdout]).toEqual([
        2,
        expect.stringContaining(`audit chain broken at row ${target}: payload does not match its digest`),
      ]);
    }
    await brokenAt('payload does not match its digest');
    // The marker without the erasure's mark is an edit like any other; the mark without the marker, too.
    await db().execute(sql`UPDATE audit_logs SET payload = '{"erased": true}' WHERE id = ${target}`);
    await brokenAt('payload does not match its digest');
    await db().execute(sql`UPDATE audit_logs SET payload_erased_at = now() WHERE id = ${target}`);
    await brokenAt('marked erased, but its payload is not the erasure marker');

    // Erased by hand, marker and mark: each row looks erased, but no erasure's own row accounts for it.
    await db().execute(sql`UPDATE audit_logs SET payload = '{"erased": true}', payload_erased_at = now() WHERE id = ${target}`);
    const report = await verify();
    expect(report).toEqual({
      valid: false,
      checked: report.checked,
      unsealed: 0,
      erased: erasedRows + 1,
      erasedLinkOnly: 2,
      reason: `${erasedRows + 1} rows are erased where erasures account for ${erasedRows}: rows were erased outside an erasure`,
    });
    if (driver === 'postgres') {
      const cli = await cliVerify();
      expect([cli.code, cli.stdout]).toEqual([
        2,
        expect.stringMatching(/^audit trail not intact: .* rows were erased outside an erasure\n$/),
      ]);
    }
    await restore();
    expect((await verify()).valid).toBe(true);

    // An erased row keeps its digests and hash: changing either, or its erased payload, still breaks the chain there
    // (where its hash covers no erased field itself).
    const [erased] = await queryRows<{ id: number; digest: string }>(
      db(),
      sql`SELECT id::int AS id, payload_digest AS digest FROM audit_logs WHERE payload_erased_at IS NOT NULL AND payload_digest IS NOT NULL
          AND (client_erased_at IS NULL OR client_digest IS NOT NULL) LIMIT 1`,
    );
    await db().execute(sql`UPDATE audit_logs SET payload_digest = repeat('0', 64) WHERE id = ${erased?.id}`);
    expect(await verify()).toMatchObject({ valid: false, firstBrokenId: erased?.id, reason: 'row content does not match its hash' });
    await db().execute(
      sql`UPDATE audit_logs SET payload_digest = ${erased?.digest}, payload = '{"erased": false}' WHERE id = ${erased?.id}`,
    );
    expect(await verify()).toMatchObject({
      valid: false,
      firstBrokenId: erased?.id,
      reason: 'marked erased, but its payload is not the erasure marker',
    });
    await db().execute(sql`UPDATE audit_logs SET payload = '{"erased": true}' WHERE id = ${erased?.id}`);
    expect((await verify()).valid).toBe(true);

    // The client's digest (chain version 3) holds as the payload's: an edited IP address breaks its row, and so does
    // a user agent put back where an erasure emptied it.
    const [client] = await queryRows<{ id: number; ip: string }>(
      db(),
      sql`SELECT id::int AS id, ip_address AS ip FROM audit_logs
          WHERE client_digest IS NOT NULL AND client_erased_at IS NULL AND ip_address IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    );
    await db().execute(sql`UPDATE audit_logs SET ip_address = '203.0.113.9' WHERE id = ${client?.id}`);
    expect(await verify()).toMatchObject({
      valid: false,
      firstBrokenId: client?.id,
      reason: 'IP address or user agent does not match their digest',
    });
    await db().execute(sql`UPDATE audit_logs SET ip_address = ${client?.ip} WHERE id = ${client?.id}`);
    expect((await verify()).valid).toBe(true);
    const [emptied] = await queryRows<{ id: number }>(
      db(),
      sql`SELECT id::int AS id FROM audit_logs WHERE client_erased_at IS NOT NULL AND client_digest IS NOT NULL LIMIT 1`,
    );
    await db().execute(sql`UPDATE audit_logs SET user_agent = ${PERSON_AGENT} WHERE id = ${emptied?.id}`);
    expect(await verify()).toMatchObject({
      valid: false,
      firstBrokenId: emptied?.id,
      reason: 'marked erased, but its IP address or user agent is still there',
    });
    await db().execute(sql`UPDATE audit_logs SET user_agent = NULL WHERE id = ${emptied?.id}`);
    expect((await verify()).valid).toBe(true);
  });

  it('checks in full the rows of a person erased before they were sealed: the sealer digests the client as the erasure left it', async () => {
    await seal();
    const before = await verify();
    const email = 'erase-unsealed@example.com';
    const registered = await h.app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: { 'user-agent': PERSON_AGENT },
      payload: { email, password: 'a passphrase long enough 42' },
    });
    expect(registered.statusCode).toBe(202);
    const [person] = await queryRows<{ id: string }>(db(), sql`SELECT id FROM users WHERE email = ${email}`);
    const waiting = await count(sql`audit_logs WHERE seq IS NULL AND user_agent = ${PERSON_AGENT}`);
    expect(waiting).toBeGreaterThan(0);

    expect((await send('DELETE', `/users/${person?.id}?hard=true`)).statusCode).toBe(204);
    expect(await count(sql`audit_logs WHERE seq IS NULL AND client_erased_at IS NOT NULL AND user_agent IS NULL`)).toBe(waiting);
    await seal();
    const after = await verify();
    // Each of them counts as erased with its hash checked, none as link-only.
    expect(after).toMatchObject({ valid: true, unsealed: 0, erasedLinkOnly: before.erasedLinkOnly });
    expect(after.erased).toBeGreaterThanOrEqual(before.erased + waiting);
  });
});

// Rows written before the upgrade: the migration names their subjects as the code does, so an erasure finds them.
describe(`the audit erasure migration (${driver})`, () => {
  it('gives rows written before it the subjects the code would have given them, and is not rolled back over a digest', async () => {
    const test = await createTestDatabase();
    try {
      const db = test.database.primary;
      await rollBackThrough(test.database, MIGRATION);
      const entityId = '0190b000-0000-7000-8000-00000000aa01';
      const payload = { email: 'Legacy.Person@Example.com', changes: { email: { before: 'old@example.com', after: 'not an address' } } };
      const webhookId = '0190b000-0000-7000-8000-00000000aa02';
      const body = { type: 'invitation.created', timestamp: new Date().toISOString(), data: { id: entityId, version: 1, ...payload } };
      await db.execute(sql`INSERT INTO audit_logs (action, entity, entity_id, payload, created_at)
        VALUES ('invitation.created', 'invitation', ${entityId}, ${JSON.stringify(payload)}::jsonb, now()),
               ('test.empty', 'test', NULL, NULL, now())`);
      await db.execute(
        sql`INSERT INTO webhooks (id, url, events, secret) VALUES (${webhookId}, 'https://example.com/hook', '{*}', 'secret')`,
      );
      await db.execute(sql`INSERT INTO webhook_deliveries (id, webhook_id, event_type, body)
        VALUES (${entityId}, ${webhookId}, 'invitation.created', ${JSON.stringify(body)})`);
      // Up to this migration only: the refusal below is this one's, not a later migration's rollback.
      await migrateUp(test.database, throughThisMigration());
      const sorted = (subjects: string[] | null) => (subjects ? [...subjects].sort() : null);
      const audit = await queryRows<{ subjects: string[] | null }>(db, sql`SELECT subjects FROM audit_logs ORDER BY id`);
      expect(audit.map((row) => sorted(row.subjects))).toEqual([sorted(subjectsOf(entityId, payload)), null]);
      const [delivery] = await queryRows<{ subjects: string[] | null }>(db, sql`SELECT subjects FROM webhook_deliveries`);
      expect(sorted(delivery?.subjects ?? null)).toEqual(sorted(subjectsOf(entityId, payload)));

      // Rolled back, a row hashed over its digest would read as tampered: the rollback is refused instead.
      await db.execute(sql`UPDATE audit_logs SET payload_digest = repeat('0', 64) WHERE action = 'test.empty'`);
      await expect(migrateDown(test.database, throughThisMigration())).rejects.toThrow(/chain version 2/);
    } finally {
      await test.dispose();
    }
  });
});
