import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { createTestDatabase, driver, rollBackThrough, type TestDatabase } from './helpers/databases.js';

const id = (n: number) => `0190c000-0000-7000-8000-${String(n).padStart(12, '0')}`;

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
