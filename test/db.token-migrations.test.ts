import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { databaseAdapter } from '../src/modules/oidc/adapter.js';
import { createTestDatabase, driver, rollBackThrough, type TestDatabase } from './helpers/databases.js';

const id = (n: number) => `0190c000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const digest = (value: string) => createHash('sha256').update(value).digest('hex');

// The upgrade that tells browser sessions from API clients' (0025): a live session whose sign-in the audit trail
// records as made through the hosted pages stays the browser's, so its cookie keeps working; every other session
// is an API client's, whose refresh token the pages no longer take as their cookie.
describe(`browser sessions migration (${driver})`, () => {
  let test: TestDatabase;
  const person = id(1);
  const [browser, apiClient, endedBrowser, beforeVia] = [id(10), id(11), id(12), id(13)];

  beforeAll(async () => {
    test = await createTestDatabase();
    await rollBackThrough(test.database, '0025_session_browser');
    const db = test.database.primary;
    await db.execute(sql`INSERT INTO users (id, email, first_name, last_name) VALUES (${person}, 'person@example.com', 'P', 'Erson')`);
    const session = (sessionId: string, revoked: boolean) =>
      db.execute(sql`INSERT INTO sessions (id, user_id, idle_expires_at, expires_at, revoked_at)
        VALUES (${sessionId}, ${person}, now() + interval '1 hour', now() + interval '30 days', ${revoked ? sql`now()` : null})`);
    const signedIn = (sessionId: string, payload: object) =>
      db.execute(sql`INSERT INTO audit_logs (action, entity, entity_id, actor_id, payload)
        VALUES ('auth.login', 'session', ${sessionId}, ${person}, ${JSON.stringify(payload)}::jsonb)`);
    await session(browser, false);
    await signedIn(browser, { amr: ['pwd'], rehashed: false, via: 'hosted' });
    await session(apiClient, false);
    await signedIn(apiClient, { amr: ['pwd'], rehashed: false });
    // Another event of an API session done through the pages names no sign-in there.
    await db.execute(sql`INSERT INTO audit_logs (action, entity, entity_id, payload)
      VALUES ('auth.organization_switched', 'session', ${apiClient}, '{"via": "hosted"}'::jsonb)`);
    await session(endedBrowser, true);
    await signedIn(endedBrowser, { amr: ['pwd'], rehashed: false, via: 'hosted' });
    // A session whose sign-in left no audit row (or one the pages' door was not yet recorded on) is taken for an API client's.
    await session(beforeVia, false);
    expect((await migrateUp(test.database))[0]).toBe('0025_session_browser');
  });
  afterAll(() => test.dispose());

  it('marks as a browser’s only the live sessions begun through the hosted pages', async () => {
    const rows = await queryRows<{ id: string; browser: boolean }>(
      test.database.primary,
      sql`SELECT id, browser FROM sessions ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: browser, browser: true },
      { id: apiClient, browser: false },
      { id: endedBrowser, browser: false },
      { id: beforeVia, browser: false },
    ]);
  });
});

// The upgrade that keeps the OpenID provider's artifacts under digests (0026): each row the previous version wrote under
// a token's or a cookie's value is rekeyed by its SHA-256 in place, the value dropped from its payload, and the adapter
// finds it by the value as before.
describe(`OpenID provider artifacts migration (${driver})`, () => {
  let test: TestDatabase;
  const interaction = 'an-interaction-id-from-its-cookie';
  const sessionCookie = 'a-provider-session-cookie-value';
  const grant = 'a-grant-id';
  const alreadyDigested = digest('written-by-this-version');

  beforeAll(async () => {
    test = await createTestDatabase();
    await rollBackThrough(test.database, '0026_oidc_artifact_digests');
    const artifact = (model: string, artifactId: string, payload: object, grantId: string | null = null) =>
      test.database.primary.execute(sql`INSERT INTO oidc_artifacts (model, id, payload, grant_id, expires_at)
        VALUES (${model}, ${artifactId}, ${JSON.stringify(payload)}::jsonb, ${grantId}, now() + interval '1 hour')`);
    await artifact('Interaction', interaction, {
      jti: interaction,
      kind: 'Interaction',
      exp: Math.floor(Date.now() / 1000) + 3600,
      session: { uid: 'session-uid', cookie: sessionCookie, accountId: 'someone' },
      grantId: grant,
    });
    await artifact('Grant', grant, { jti: grant, kind: 'Grant', clientId: 'wiki', accountId: 'someone' });
    await artifact('RefreshToken', alreadyDigested, { kind: 'RefreshToken', grantId: grant }, grant);
    expect((await migrateUp(test.database))[0]).toBe('0026_oidc_artifact_digests');
  });
  afterAll(() => test.dispose());

  it('rekeys every artifact but grants by its digest and drops the values from the payloads', async () => {
    const rows = await queryRows<{ model: string; id: string; payload: Record<string, unknown> }>(
      test.database.primary,
      sql`SELECT model, id, payload FROM oidc_artifacts ORDER BY model`,
    );
    expect(rows).toEqual([
      { model: 'Grant', id: grant, payload: { jti: grant, kind: 'Grant', clientId: 'wiki', accountId: 'someone' } },
      {
        model: 'Interaction',
        id: digest(interaction),
        payload: expect.objectContaining({ kind: 'Interaction', session: { uid: 'session-uid', accountId: 'someone' }, grantId: grant }),
      },
      { model: 'RefreshToken', id: alreadyDigested, payload: { kind: 'RefreshToken', grantId: grant } },
    ]);
    expect(JSON.stringify(rows)).not.toContain(interaction);
    expect(JSON.stringify(rows)).not.toContain(sessionCookie);
  });

  it('leaves each artifact found by its value, as the library asks for it', async () => {
    const Adapter = databaseAdapter(test.database.primary, async () => undefined);
    expect(await new Adapter('Interaction').find(interaction)).toMatchObject({ jti: interaction, kind: 'Interaction', grantId: grant });
    expect(await new Adapter('Grant').find(grant)).toMatchObject({ jti: grant, clientId: 'wiki' });
    expect(await new Adapter('Interaction').find(digest(interaction))).toBeUndefined();
  });
});
