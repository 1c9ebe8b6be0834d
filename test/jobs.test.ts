import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner, type JobRunner } from '../src/platform/jobs.js';
import { createTestDatabase, serverUrl, type TestDatabase } from './helpers/databases.js';

describe('job runner (pg-boss on the same database)', () => {
  let test: TestDatabase;
  let runner: JobRunner;
  const runs: string[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    test = await createTestDatabase();
    runner = createJobRunner(test.database, { connectionString: serverUrl ? test.env.DATABASE_URL : undefined, enabled: true });
    runner.every('test-sweep', '*/5 * * * *', async () => {
      runs.push(new Date().toISOString());
    });
    await runner.start({ error: (details) => errors.push(details) });
  });
  afterAll(async () => {
    await runner.stop();
    await test.dispose();
  });

  it('keeps the schedule in the database and runs a queued job once', async () => {
    const rows = await test.database.withSession((session) =>
      session.query<{ name: string; cron: string }>('SELECT name, cron FROM pgboss.schedule'),
    );
    expect(rows).toEqual([expect.objectContaining({ name: 'test-sweep', cron: '*/5 * * * *' })]);
    await runner.runNow('test-sweep');
    for (let attempt = 0; attempt < 100 && runs.length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
