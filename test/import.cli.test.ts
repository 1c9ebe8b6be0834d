import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { runCli, startCli, withDatabase } from './helpers/cli.js';
import { createDetachedDatabase, driver } from './helpers/databases.js';

describe(`tessera import (${driver})`, () => {
  let target: Awaited<ReturnType<typeof createDetachedDatabase>>;
  let dir: string;

  beforeAll(async () => {
    target = await createDetachedDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tessera-import-cli-'));
    expect((await runCli(['seed', '--preset', 'learning'], target.env)).code).toBe(0);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target.dispose();
  });

  const file = (name: string, lines: object[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n'));
    return path;
  };
  const users = Array.from({ length: 20 }, (_, n) => ({ email: `cli${n}@example.com`, name: `Cli User${n}`, roles: ['LEARNER'] }));

  it('validates with --dry-run, refuses a file with a bad line (exit 1, each line named), then imports, then skips', async () => {
    const good = file('good.jsonl', users);
    const dry = await runCli(['import', '--file', good, '--dry-run'], target.env);
    expect([dry.code, dry.stdout.trim()]).toEqual([0, 'would import: created 20, updated 0, skipped 0, failed 0, invited 0']);

    const bad = file('bad.jsonl', [...users, { email: 'tz@example.com', profile: { timezone: 'Nowhere/City' } }, { email: 'nope' }]);
    const refused = await runCli(['import', '--file', bad], target.env);
    expect(refused.code).toBe(1);
    expect(refused.stdout.trim()).toBe('imported nothing: created 0, updated 0, skipped 0, failed 2, invited 0');
    expect(refused.stderr).toContain('line 21: profile/timezone: must match format "iana-timezone"');
    expect(refused.stderr).toContain('line 22: email: must match format "email"');

    const done = await runCli(['import', '--file', good], target.env);
    expect([done.code, done.stdout.trim()]).toEqual([0, 'imported: created 20, updated 0, skipped 0, failed 0, invited 0']);
    expect(done.stderr).toMatch(/importing: 20\/20/);
    const again = await runCli(['import', '--file', good], target.env);
    expect(again.stdout.trim()).toBe('imported: created 0, updated 0, skipped 20, failed 0, invited 0');

    const skipping = await runCli(['import', '--file', bad, '--skip-invalid', '--update'], target.env);
    expect([skipping.code, skipping.stdout.trim()]).toEqual([0, 'imported: created 0, updated 20, skipped 0, failed 2, invited 0']);
  }, 120_000);

  it('refuses in one line naming the file a file it cannot read, an empty one and one that holds no users', async () => {
    const blank = join(dir, 'blank.csv');
    writeFileSync(blank, '\uFEFF\n\r\n  \n');
    const headerOnly = join(dir, 'header-only.txt');
    writeFileSync(headerOnly, 'hello world\n');
    const missing = join(dir, 'missing.jsonl');
    const results = [];
    for (const path of [missing, blank, headerOnly]) results.push(await runCli(['import', '--file', path], target.env));
    expect(
      results.map((result) => [result.code, result.stdout, result.stderr.split('\n').filter((line) => line.startsWith('tessera:'))]),
    ).toEqual([
      [1, '', [`tessera: error: cannot read ${missing}: no such file`]],
      [1, '', [`tessera: error: ${blank} is empty: there is nothing to import`]],
      [1, '', [`tessera: error: ${headerOnly} holds no users: JSON Lines has an object per line, CSV a header row then a row per user`]],
    ]);
    // Refused before the import reads it: no progress either.
    expect(results[1]?.stderr).toBe(`tessera: error: ${blank} is empty: there is nothing to import\n`);
  }, 60_000);

  it('stops an interrupted import (SIGTERM) after the batches under way, saying what they wrote and that the rest of the file was not imported', async () => {
    const total = 5000;
    const path = file(
      'interrupted.jsonl',
      Array.from({ length: total }, (_, n) => ({ email: `stop${n}@example.com`, roles: ['LEARNER'] })),
    );
    const running = startCli(['import', '--file', path], target.env);
    let stderr = '';
    running.child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // Checked, it starts writing: several batches of 1,000, on PostgreSQL up to three at once.
    await vi.waitFor(() => expect(stderr).toContain(`checking: ${total}/${total} rows`), { timeout: 60_000, interval: 20 });
    running.child.kill('SIGTERM');
    const result = await running.result;
    const said = result.stderr.split('\n').filter((line) => line.startsWith('tessera:'));
    expect([result.code, said]).toEqual([
      143,
      [
        expect.stringMatching(
          /^tessera: import interrupted after created \d+, updated 0, skipped 0, failed 0: the file's last \d+ users were not imported; run the same command again to import them$/,
        ),
      ],
    ]);
    const [created, notImported] = (said[0]?.match(/\d+/g) ?? []).map(Number).filter((_, index) => index === 0 || index === 4) as [
      number,
      number,
    ];
    expect(created % 1000).toBe(0);
    expect(created + notImported).toBe(total);
    expect(notImported).toBeGreaterThan(0);
    expect(result.stdout).toBe(`imported: created ${created}, updated 0, skipped 0, failed 0, invited 0\n`);
    // What it wrote is the file's first users, each batch whole: running the file again imports the rest.
    const written = await withDatabase(target.env, (database) =>
      queryRows<{ n: number }>(
        database.primary,
        sql`SELECT substring(email FROM 5 FOR length(email) - 16)::int AS n FROM users WHERE email LIKE 'stop%'`,
      ),
    );
    expect(written.map((row) => row.n).sort((a, b) => a - b)).toEqual(Array.from({ length: created }, (_, n) => n));
  }, 120_000);

  it('refuses a hash written in a known format that cannot be one (a placeholder), naming its line and format', async () => {
    const placeholders = file('placeholders.jsonl', [
      { email: 'django@example.com', passwordHash: 'pbkdf2_sha256$260000$salt$hash' },
      { email: 'argon@example.com', passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$salt' },
      { email: 'md5@example.com', passwordHash: '5f4dcc3b5aa765d61d8327deb882cf99' },
    ]);
    const refused = await runCli(['import', '--file', placeholders], target.env);
    expect([refused.code, refused.stdout.trim()]).toEqual([1, 'imported nothing: created 0, updated 0, skipped 0, failed 2, invited 0']);
    expect(refused.stderr).toContain('line 1: passwordHash: not a valid pbkdf2 hash: its hash is 3 bytes');
    expect(refused.stderr).toContain('line 2: passwordHash: not a valid argon2 hash: expected $argon2<id|i|d>$');
    expect(refused.stderr).not.toContain('line 3');
  }, 60_000);
});
