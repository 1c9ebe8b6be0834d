import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, loginAs } from './helpers/auth.js';

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
});
