import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createDetachedDatabase, driver } from './helpers/databases.js';

const onboarding = readFileSync(new URL('../docs/onboarding.md', import.meta.url), 'utf8');
const importSection = onboarding.slice(onboarding.indexOf('## Import'), onboarding.indexOf('- Fields: `email`'));

/** Each fenced block of the section with the file the text before it names (`docs/examples/…`). */
const blocks = [...importSection.matchAll(/`(docs\/examples\/[\w.]+)`[\s\S]*?```(\w+)\n([\s\S]*?)```/g)].map(([, file, , text]) => ({
  file: file as string,
  text: text as string,
}));
const commands = (/```sh\n([\s\S]*?)```/.exec(importSection)?.[1] ?? '')
  .trim()
  .split('\n')
  .map((line) => line.replace(/^npx tessera /, '').split(' '));

describe('docs/onboarding.md: the import examples', () => {
  it('print the sample files the repository ships, as they are', () => {
    expect(blocks.map((block) => block.file)).toEqual(['docs/examples/users.jsonl', 'docs/examples/users.csv']);
    for (const { file, text } of blocks) expect(text).toBe(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));
  });
});

describe(`docs/onboarding.md: the import commands, run as printed on a fresh database (${driver})`, () => {
  let target: Awaited<ReturnType<typeof createDetachedDatabase>>;
  beforeAll(async () => {
    target = await createDetachedDatabase();
  });
  afterAll(() => target.dispose());

  it('migrate, seed the preset, and import each sample file: every user created, none failed', async () => {
    expect(commands.map((args) => args[0])).toEqual(['migrate', 'seed', 'import', 'import']);
    const results = [];
    for (const args of commands) results.push(await runCli(args, target.env));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const imports = results.slice(2).map((result) => result.stdout.trim());
    expect(imports).toEqual([
      'imported: created 1, updated 0, skipped 0, failed 0, invited 0',
      'imported: created 1, updated 0, skipped 0, failed 0, invited 0',
    ]);
    for (const result of results.slice(2)) expect(result.stderr).toContain('checking: 1/1 rows');
  }, 120_000);
});
