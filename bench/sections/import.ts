import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withModules } from '../../src/cli/modules.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { systemCaller } from '../../src/platform/caller.js';
import type { BenchRow, Section } from '../lib.js';

const TIMEZONES = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'UTC'];
// A bcrypt string as another system stored it: the import keeps it as it is, and a sign-in verifies it.
const BCRYPT = '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';

/** Learners as another system exports them: the account and profile, with `learning`, preferences, a skill and a goal. */
async function writeFile(path: string, count: number, prefix: string, options: { passwordHash?: string; learning?: boolean }) {
  const out = createWriteStream(path);
  for (let n = 0; n < count; n++) {
    const line = JSON.stringify({
      email: `${prefix}${n}@example.com`,
      username: `${prefix}${n}`,
      firstName: 'Imported',
      lastName: `Learner ${n}`,
      createdAt: new Date(Date.UTC(2020, 0, 1) + n * 60_000).toISOString(),
      roles: ['user'],
      ...(options.passwordHash ? { passwordHash: options.passwordHash } : {}),
      profile: { timezone: TIMEZONES[n % TIMEZONES.length], language: 'en-GB', bio: `Learner number ${n}` },
      ...(options.learning
        ? {
            preferences: { visualScore: 0.7, difficultyPreference: 'ADVANCED' },
            skills: [{ skillName: 'TypeScript', skillCategory: 'Programming', proficiencyLevel: 'INTERMEDIATE' }],
            goals: [{ title: 'Finish the course', goalType: 'COURSE_COMPLETION', startDate: '2020-02-01', targetDate: '2020-06-01' }],
          }
        : {}),
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * `tessera import`'s service, in this process, on the server's PostgreSQL: users a second, checked and
 * then written, with their profile and role, then also learning records, then with password hashes.
 * BENCH_IMPORT_USERS sets the size.
 */
export const importSection: Section = {
  name: 'import',
  drivers: ['postgres'],
  async run(target) {
    const count = Number(process.env.BENCH_IMPORT_USERS ?? 100_000);
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-import-'));
    const config = loadConfig({ DATABASE_URL: target.env.DATABASE_URL, LOG_LEVEL: 'silent' }, '/nonexistent/.env');
    const database = await openDatabase(config);
    const rows: BenchRow[] = [];
    try {
      for (const spec of [
        { title: `import ${count} users (account, profile, role)`, prefix: 'plain', options: {} },
        { title: `import ${count} users (account, profile, role, bcrypt hash)`, prefix: 'hashed', options: { passwordHash: BCRYPT } },
        { title: `import ${count} users (+ preferences, a skill, a goal)`, prefix: 'learner', options: { learning: true } },
      ]) {
        const file = join(dir, `${spec.prefix}.jsonl`);
        await writeFile(file, count, spec.prefix, spec.options);
        const started = process.hrtime.bigint();
        const summary = await withModules(database, config, ({ importer }) => importer.importFile(systemCaller('bench'), file, {}));
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const perSecond = Math.round((summary.created / ms) * 1000);
        process.stderr.write(`${spec.title}: ${summary.created} created in ${(ms / 1000).toFixed(1)} s, ${perSecond} users/s\n`);
        rows.push({
          section: 'import',
          case: spec.title,
          driver: target.driver,
          connections: 1,
          runs: 1,
          reqPerSec: perSecond,
          p50Ms: ms,
          p95Ms: ms,
          p99Ms: ms,
          errors: summary.failed,
        });
      }
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
