import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
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
});
