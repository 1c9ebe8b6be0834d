import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, createUser, loginAs } from './helpers/auth.js';
import { driver } from './helpers/databases.js';

/** What an organization's deletion takes with it is removed as its own audited change, not by a silent cascade. */
describe('organizations: deletion', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  });
  afterAll(() => h.close());

  it("deletes the organization's webhook endpoints each with its own audited deletion", async () => {
    const root = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, root, 'Doomed Webhooks');
    const made = await h.app.inject({
      method: 'POST',
      url: '/webhooks',
      headers: root.headers,
      payload: { url: 'http://127.0.0.1:9/doomed', events: ['user.*'], organizationId },
    });
    expect(made.statusCode, made.body).toBe(201);
    const webhookId = made.json().webhook.id as string;

    expect((await h.app.inject({ method: 'DELETE', url: `/organizations/${organizationId}`, headers: root.headers })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/webhooks/${webhookId}`, headers: root.headers })).statusCode).toBe(404);
    const audit = await queryRows<{ organization_id: string; payload: unknown }>(
      h.context.database.primary,
      sql`SELECT organization_id, payload FROM audit_logs WHERE action = 'webhook.deleted' AND entity_id = ${webhookId}`,
    );
    expect(audit).toEqual([{ organization_id: organizationId, payload: { url: 'http://127.0.0.1:9/doomed' } }]);
  });

  /** An organization with two members, two pending invitations and a cancelled one, and a platform-wide endpoint hearing of their end. */
  async function populated(root: Awaited<ReturnType<typeof loginAs>>, name: string) {
    const call = (method: 'POST' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({ method, url, headers: root.headers, payload });
    const organizationId = await createOrganization(h, root, name);
    const members = [await createUser(h), await createUser(h)].map((user) => user.id);
    for (const userId of members) expect((await call('POST', `/organizations/${organizationId}/members`, { userId })).statusCode).toBe(201);
    const invite = async (email: string) => {
      const made = await call('POST', `/organizations/${organizationId}/invitations`, { email });
      expect(made.statusCode, made.body).toBe(201);
      return made.json().invitation.id as string;
    };
    const slug = name.toLowerCase().replaceAll(' ', '-');
    const pending = [await invite(`${slug}-one@example.com`), await invite(`${slug}-two@example.com`)];
    const withdrawn = await invite(`${slug}-withdrawn@example.com`);
    expect((await call('DELETE', `/invitations/${withdrawn}`)).statusCode).toBe(204);
    const hook = await call('POST', '/webhooks', {
      url: `http://127.0.0.1:9/${slug}`,
      events: ['membership.removed', 'invitation.cancelled'],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    return { organizationId, members, pending, webhookId: hook.json().webhook.id as string };
  }

  const endings = async (organizationId: string, since: string) =>
    queryRows<{ action: string; entity_id: string }>(
      h.context.database.primary,
      sql`SELECT action, entity_id FROM audit_logs
        WHERE organization_id = ${organizationId} AND action IN ('membership.removed', 'invitation.cancelled') AND id > ${since}
        ORDER BY action, entity_id`,
    );
  const deliveries = (webhookId: string) =>
    queryRows<{ event_type: string; entity_id: string }>(
      h.context.database.primary,
      sql`SELECT event_type, body::jsonb -> 'data' ->> 'id' AS entity_id FROM webhook_deliveries WHERE webhook_id = ${webhookId}
        ORDER BY event_type, entity_id`,
    );
  const lastAuditId = async () =>
    (await queryRows<{ id: string }>(h.context.database.primary, sql`SELECT coalesce(max(id), 0)::text AS id FROM audit_logs`))[0]
      ?.id as string;

  it('ends each membership and withdraws each pending invitation with its own event: audited and sent to webhooks', async () => {
    const root = await loginAs(h, { roles: ['admin'] });
    const doomed = await populated(root, 'Doomed Members');
    const since = await lastAuditId();

    expect(
      (await h.app.inject({ method: 'DELETE', url: `/organizations/${doomed.organizationId}`, headers: root.headers })).statusCode,
    ).toBe(204);
    const expected = [
      ...doomed.pending.map((id) => ({ action: 'invitation.cancelled', entity_id: id })),
      ...doomed.members.map((id) => ({ action: 'membership.removed', entity_id: id })),
    ].sort((a, b) => `${a.action} ${a.entity_id}`.localeCompare(`${b.action} ${b.entity_id}`));
    expect(await endings(doomed.organizationId, since)).toEqual(expected);
    expect(await deliveries(doomed.webhookId)).toEqual(expected.map(({ action, entity_id }) => ({ event_type: action, entity_id })));
  });

  it('writes no event, and keeps every membership and invitation, when the deletion fails', async () => {
    const root = await loginAs(h, { roles: ['admin'] });
    const kept = await populated(root, 'Undeletable');
    const since = await lastAuditId();
    // The organization's own row refuses to go, after everything it takes with it has been handled.
    const db = h.context.database.primary;
    await db.execute(sql`CREATE FUNCTION refuse_deletion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'kept'; END $$`);
    await db.execute(
      sql.raw(`CREATE TRIGGER refuse_deletion BEFORE DELETE ON organizations FOR EACH ROW
        WHEN (OLD.id = '${kept.organizationId}') EXECUTE FUNCTION refuse_deletion()`),
    );

    const res = await h.app.inject({ method: 'DELETE', url: `/organizations/${kept.organizationId}`, headers: root.headers });
    expect(res.statusCode).toBe(500);
    expect(await endings(kept.organizationId, since)).toEqual([]);
    expect(await deliveries(kept.webhookId)).toEqual([]);
    const members = await queryRows<{ user_id: string }>(
      db,
      sql`SELECT user_id FROM organization_memberships WHERE organization_id = ${kept.organizationId}`,
    );
    expect(members.map((row) => row.user_id).sort()).toEqual([...kept.members].sort());
    const invitations = await queryRows<{ id: string }>(
      db,
      sql`SELECT id FROM user_invitations WHERE organization_id = ${kept.organizationId} AND status = 'PENDING'`,
    );
    expect(invitations.map((row) => row.id).sort()).toEqual([...kept.pending].sort());
  });

  // Two connections at once: PostgreSQL only (PGlite serves one at a time).
  it.skipIf(driver !== 'postgres')('ends a membership that joins while the deletion runs with its event, not by the cascade', async () => {
    const root = await loginAs(h, { roles: ['admin'] });
    const organizationId = await createOrganization(h, root, 'Joined Late');
    const late = await createUser(h);
    const since = await lastAuditId();
    const joining = new pg.Client({ connectionString: h.db.env.DATABASE_URL });
    await joining.connect();
    try {
      await joining.query('BEGIN');
      await joining.query('INSERT INTO organization_memberships (organization_id, user_id) VALUES ($1, $2)', [organizationId, late.id]);
      const deletion = h.app.inject({ method: 'DELETE', url: `/organizations/${organizationId}`, headers: root.headers });
      // The deletion waits on the joining transaction (its insert shares the organization's row) before it commits.
      const waiting = sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      while ((await queryRows<{ n: number }>(h.context.database.primary, waiting))[0]?.n === 0) await sleep(20);
      await joining.query('COMMIT');
      expect((await deletion).statusCode).toBe(204);
    } finally {
      await joining.end();
    }
    expect(await endings(organizationId, since)).toEqual([{ action: 'membership.removed', entity_id: late.id }]);
  });
});
