import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPreset } from '../src/modules/index.js';
import { runCli, withDatabase } from './helpers/cli.js';
import { createDetachedDatabase, driver } from './helpers/databases.js';

/** LOG_QUERIES (on by itself under NODE_ENV=development): the text of each statement, never its parameters. */
describe(`statement log (${driver})`, () => {
  let target: Awaited<ReturnType<typeof createDetachedDatabase>>;
  beforeAll(async () => {
    target = await createDetachedDatabase();
    await withDatabase(target.env, (database) => seedPreset(database.primary, 'basic'));
  });
  afterAll(() => target.dispose());

  const password = 'query log passphrase 4711';
  const createAdmin = (email: string, env: Record<string, string>) =>
    runCli(['create-admin', '--email', email, '--password-stdin'], { ...target.env, ...env }, password);
  const statements = (stderr: string) =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { name?: string; sql?: string })
      .filter((line) => line.name === 'sql');

  it('logs each statement on standard error, without the values it carries', async () => {
    const logged = await createAdmin('logged.admin@example.com', { LOG_QUERIES: 'true' });
    expect(logged.code).toBe(0);
    const lines = statements(logged.stderr);
    expect(lines.some((line) => /^insert into "users"/.test(line.sql ?? ''))).toBe(true);
    expect(logged.stderr).not.toContain('logged.admin@example.com');
    expect(logged.stderr).not.toContain(password);
    expect(logged.stderr).not.toContain('$argon2id$');
    // Standard output stays the command's answer alone.
    expect(logged.stdout).not.toContain('"sql"');
  }, 60_000);

  it('follows NODE_ENV=development unless LOG_QUERIES says otherwise, and is off by default', async () => {
    const development = await createAdmin('dev.admin@example.com', { NODE_ENV: 'development' });
    expect(development.code).toBe(0);
    expect(statements(development.stderr).length).toBeGreaterThan(0);
    const overruled = await createAdmin('quiet.admin@example.com', { NODE_ENV: 'development', LOG_QUERIES: 'false' });
    expect([overruled.code, statements(overruled.stderr)]).toEqual([0, []]);
    const byDefault = await createAdmin('default.admin@example.com', {});
    expect([byDefault.code, statements(byDefault.stderr)]).toEqual([0, []]);
  }, 90_000);
});
