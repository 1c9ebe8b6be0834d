import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { auditLogs } from '../src/db/schema/index.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createOrganization, loginAs } from './helpers/auth.js';
import { createTestDatabase, driver, rollBackThrough, type TestDatabase } from './helpers/databases.js';
import { APP_CALLBACK } from './helpers/oidc.js';
import { pagesOf } from './helpers/pages-of.js';

type Session = { headers: Record<string, string> };
const web = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'web', redirectUris: [APP_CALLBACK], ...extra });

// An application belongs to an organization or to the platform: an organization's administrator (applications:manage
// without tenants:all) sees and manages their organization's only, and anything else answers as a missing one.
describe(`applications within organizations (${driver})`, () => {
  let h: Harness;
  let root: Session;
  let orgA: string;
  let orgB: string;
  let adminA: Session;
  let adminB: Session;

  beforeAll(async () => {
    h = await createHarness();
    root = await loginAs(h, { roles: ['admin'] });
    orgA = await createOrganization(h, root, 'Apps A');
    orgB = await createOrganization(h, root, 'Apps B');
    adminA = await loginAs(h, { organizationId: orgA, permissions: ['applications:manage'] });
    adminB = await loginAs(h, { organizationId: orgB, permissions: ['applications:manage'] });
  }, 120_000);
  afterAll(async () => h?.close());

  const call = (who: Session, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    h.app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
  const answer = async (response: Promise<{ statusCode: number; json: () => { code: string } }>) => {
    const res = await response;
    return [res.statusCode, res.json().code];
  };
  const listed = async (who: Session) =>
    (await call(who, 'GET', '/applications?limit=100')).json().data.map((app: { id: string }) => app.id) as string[];
  const register = async (who: Session, name: string, extra: Record<string, unknown> = {}) => {
    const res = await call(who, 'POST', '/applications', web(name, extra));
    expect(res.statusCode, res.body).toBe(201);
    return res.json().application as { id: string; organizationId: string | null };
  };

  it("registers an organization's administrator's application in their organization, and refuses any other place", async () => {
    expect((await register(adminA, 'A portal')).organizationId).toBe(orgA);
    expect((await register(adminA, 'A named', { organizationId: orgA })).organizationId).toBe(orgA);
    const before = await listed(root);
    expect(await answer(call(adminA, 'POST', '/applications', web('Into B', { organizationId: orgB })))).toEqual([
      403,
      'CROSS_TENANT_REQUIRED',
    ]);
    // Skipping consent is the platform's trust: any person may sign in to any application.
    expect(await answer(call(adminA, 'POST', '/applications', web('Trusted', { firstParty: true })))).toEqual([
      403,
      'CROSS_TENANT_REQUIRED',
    ]);
    expect(await listed(root)).toEqual(before);

    // A cross-tenant administrator registers for the platform by default, or in any organization that exists.
    expect((await register(root, 'Platform portal')).organizationId).toBeNull();
    expect((await register(root, 'B trusted', { organizationId: orgB, firstParty: true })).organizationId).toBe(orgB);
    expect(await answer(call(root, 'POST', '/applications', web('Nowhere', { organizationId: randomUUID() })))).toEqual([
      409,
      'REFERENCE_CONFLICT',
    ]);
  });

  it("answers another organization's and the platform's applications as missing ones, to list, read, change, rotate and delete", async () => {
    const platform = await register(root, 'Platform wiki');
    const ofB = await register(adminB, 'B wiki');
    const ofA = await register(adminA, 'A wiki');
    const missing = await call(adminA, 'GET', `/applications/${randomUUID()}`);
    const { type, title, detail } = missing.json();

    expect(await listed(adminA)).toContain(ofA.id);
    expect(await listed(adminA)).not.toContain(ofB.id);
    expect(await listed(adminA)).not.toContain(platform.id);
    expect(await listed(root)).toEqual(expect.arrayContaining([platform.id, ofB.id, ofA.id]));
    for (const { id } of [platform, ofB]) {
      for (const res of [
        await call(adminA, 'GET', `/applications/${id}`),
        await call(adminA, 'PATCH', `/applications/${id}`, { name: 'Taken over' }),
        await call(adminA, 'POST', `/applications/${id}/secret`),
        await call(adminA, 'DELETE', `/applications/${id}`),
      ]) {
        expect([res.statusCode, res.json()]).toEqual([
          404,
          expect.objectContaining({ code: 'APPLICATION_NOT_FOUND', type, title, detail }),
        ]);
      }
      expect((await call(root, 'GET', `/applications/${id}`)).json().name).not.toBe('Taken over');
    }

    expect((await call(adminA, 'GET', `/applications/${ofA.id}`)).json().organizationId).toBe(orgA);
    expect((await call(adminA, 'PATCH', `/applications/${ofA.id}`, { name: 'A handbook' })).json().name).toBe('A handbook');
    expect((await call(adminA, 'POST', `/applications/${ofA.id}/secret`)).statusCode).toBe(200);
    expect((await call(adminA, 'DELETE', `/applications/${ofA.id}`)).statusCode).toBe(204);
    expect((await call(root, 'DELETE', `/applications/${ofB.id}`)).statusCode).toBe(204);
  });

  it("pages the applications oldest first, an organization's administrator through their organization's only", async () => {
    const made = [];
    for (const name of ['B one', 'B two', 'B three']) made.push((await register(adminB, name)).id);
    const paged = (await pagesOf(h, '/applications', adminB.headers, 2)).flat().map((app) => app.id);
    expect(paged).toEqual([...paged].sort());
    expect(paged.slice(-3)).toEqual(made);
    expect(paged).toEqual(await listed(adminB));
  });

  it('keeps the organization and the first-party flag out of reach of an organization administrator’s change', async () => {
    const own = await register(adminA, 'A chat');
    expect(await answer(call(adminA, 'PATCH', `/applications/${own.id}`, { organizationId: orgB }))).toEqual([400, 'FIELD_NOT_ALLOWED']);
    expect(await answer(call(adminA, 'PATCH', `/applications/${own.id}`, { firstParty: true }))).toEqual([403, 'CROSS_TENANT_REQUIRED']);
    // One a cross-tenant administrator trusted stays theirs to edit, its flag sent back unchanged (as the console does).
    const trusted = await register(root, 'A intranet', { organizationId: orgA, firstParty: true });
    const edited = await call(adminA, 'PATCH', `/applications/${trusted.id}`, { name: 'A intranet 2', firstParty: true });
    expect([edited.statusCode, edited.json().firstParty]).toEqual([200, true]);
  });

  it("records each application event in its organization's audit trail, whoever acts", async () => {
    const id = (await register(root, 'B reports', { organizationId: orgB })).id;
    await call(root, 'PATCH', `/applications/${id}`, { name: 'B reporting' });
    await call(root, 'POST', `/applications/${id}/secret`);
    await call(root, 'DELETE', `/applications/${id}`);
    const rows = await h.context.database.primary
      .select({ action: auditLogs.action, organizationId: auditLogs.organizationId })
      .from(auditLogs)
      .where(eq(auditLogs.entityId, id))
      .orderBy(asc(auditLogs.id));
    expect(rows).toEqual(
      ['application.created', 'application.updated', 'application.secret_rotated', 'application.deleted'].map((action) => ({
        action,
        organizationId: orgB,
      })),
    );
  });

  it('deletes an organization’s applications with it, each recorded as a direct deletion is', async () => {
    const deletions = (ids: string[]) =>
      h.context.database.primary
        .select({ entityId: auditLogs.entityId, organizationId: auditLogs.organizationId, payload: auditLogs.payload })
        .from(auditLogs)
        .where(and(eq(auditLogs.action, 'application.deleted'), inArray(auditLogs.entityId, ids)));
    const doomed = await createOrganization(h, root, 'Apps doomed');
    const direct = (await register(root, 'Deleted alone', { organizationId: doomed })).id;
    expect((await call(root, 'DELETE', `/applications/${direct}`)).statusCode).toBe(204);
    const [alone] = await deletions([direct]);
    const ids = [(await register(root, 'Doomed app', { organizationId: doomed })).id, (await register(adminA, 'Survivor')).id];
    expect((await call(root, 'DELETE', `/organizations/${doomed}`)).statusCode).toBe(204);
    expect((await call(root, 'GET', `/applications/${ids[0]}`)).statusCode).toBe(404);
    expect((await call(root, 'GET', `/applications/${ids[1]}`)).statusCode).toBe(200);
    expect(await deletions(ids)).toEqual([{ entityId: ids[0], organizationId: doomed, payload: alone?.payload }]);
  });
});

// The upgrade of a database whose applications belong to no organization: each stays the platform's.
describe(`application organizations migration (${driver})`, () => {
  let test: TestDatabase;
  const appId = '0190b000-0000-7000-8000-000000000501';
  const rows = () =>
    queryRows<{ id: string; name: string; organization_id?: string | null }>(test.database.primary, sql`SELECT * FROM applications`);

  beforeAll(async () => {
    test = await createTestDatabase();
    await rollBackThrough(test.database, '0019_application_organizations');
    await test.database.primary.execute(sql`INSERT INTO applications (id, client_id, name, kind, redirect_uris, post_logout_redirect_uris, scopes)
      VALUES (${appId}, 'legacy-client', 'Legacy', 'web', '["https://legacy.example/cb"]', '[]', '["openid"]')`);
  });
  afterAll(() => test.dispose());

  it('keeps every application, platform-wide, and rolls back keeping it', async () => {
    expect((await migrateUp(test.database))[0]).toBe('0019_application_organizations');
    expect((await rows()).map(({ id, name, organization_id }) => ({ id, name, organization_id }))).toEqual([
      { id: appId, name: 'Legacy', organization_id: null },
    ]);
    await rollBackThrough(test.database, '0019_application_organizations');
    expect((await rows()).map(({ id, name, organization_id }) => ({ id, name, organization_id }))).toEqual([
      { id: appId, name: 'Legacy', organization_id: undefined },
    ]);
  });
});
