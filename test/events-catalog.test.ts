import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

describe('GET /events/catalog', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('lists the public events to anyone, each with its version and payload schema', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/events/catalog' });
    expect(res.statusCode).toBe(200);
    const { events } = res.json() as { events: { type: string; version: number; entity: string; payload: unknown }[] };
    const created = events.find((entry) => entry.type === 'user.created');
    expect(created).toMatchObject({
      version: 2,
      entity: 'user',
      payload: {
        type: 'object',
        additionalProperties: false,
        properties: { source: { anyOf: expect.any(Array) }, email: { type: 'string' }, roles: { type: 'array' } },
      },
    });
    expect(events.find((entry) => entry.type === 'organization.deleted')).toEqual({
      type: 'organization.deleted',
      version: 1,
      entity: 'organization',
      payload: null,
      data: {
        type: 'object',
        additionalProperties: false,
        properties: {
          id: expect.objectContaining({ type: 'string' }),
          version: expect.objectContaining({ type: 'integer', minimum: 1 }),
          organizationId: expect.objectContaining({ type: 'string' }),
        },
      },
    });
    // What a delivery's data holds: the entity's id and version, then the payload's own fields.
    expect(Object.keys((created as unknown as { data: { properties: object } }).data.properties)).toEqual(
      expect.arrayContaining(['id', 'version', 'email', 'roles']),
    );
    expect(events.map((entry) => entry.type)).not.toContain('auth.login');
    expect(JSON.stringify(events)).not.toMatch(/"(password|passwordHash|token|refreshToken|secret)"/);
  });

  // The harness checks every emitted payload against its schema and fails on close when one does not match.
  it('emits what the catalogue describes: an organization made, renamed and deleted', async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({ method, url, headers: admin.headers, payload });
    const created = await call('POST', '/organizations', { name: 'Acme' });
    expect(created.statusCode).toBe(201);
    const { id } = (created.json() as { organization: { id: string } }).organization;
    const renamed = await call('PATCH', `/organizations/${id}`, { name: 'Acme Two' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect((await call('DELETE', `/organizations/${id}`)).statusCode).toBe(204);
    const actions = await h.app.inject({ method: 'GET', url: `/audit-logs?entityId=${id}`, headers: admin.headers });
    expect((actions.json() as { data: { action: string }[] }).data.map((row) => row.action).sort()).toEqual([
      'organization.created',
      'organization.deleted',
      'organization.updated',
    ]);
  });
});
