import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type BenchRow, createMeasure, type Driver, printTable, type Section, withLiveShares } from './lib.js';
import { auth } from './sections/auth.js';
import { baseline } from './sections/baseline.js';
import { importSection } from './sections/import.js';
import { learning } from './sections/learning.js';
import { memberships } from './sections/memberships.js';
import { mfa } from './sections/mfa.js';
import { oidc } from './sections/oidc.js';
import { startup } from './sections/startup.js';
import { userTargets } from './sections/user-targets.js';
import { users } from './sections/users.js';
import { webhookClaims } from './sections/webhook-claims.js';
import { webhooks } from './sections/webhooks.js';
import { writes } from './sections/writes.js';
import { startServer } from './server.js';

/** Every section, in the order they run. */
const sections: Section[] = [
  baseline,
  startup,
  auth,
  mfa,
  users,
  userTargets,
  writes,
  learning,
  importSection,
  memberships,
  webhooks,
  webhookClaims,
  oidc,
];

const { values } = parseArgs({
  options: {
    driver: { type: 'string', default: process.env.BENCH_DATABASE_URL ? 'both' : 'pglite' },
    only: { type: 'string' },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
  },
});

const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const drivers: Driver[] = values.driver === 'both' ? ['pglite', 'postgres'] : [values.driver as Driver];
const wanted = values.only?.split(',');
const chosen = sections.filter((section) => !wanted || wanted.includes(section.name));

const rows: BenchRow[] = [];
for (const driver of drivers) {
  for (const section of chosen.filter((candidate) => !candidate.drivers || candidate.drivers.includes(driver))) {
    process.stderr.write(`\n== ${section.name} on ${driver}\n`);
    const server = await startServer(driver, postgresUrl, section.serverEnv, section.seed);
    try {
      rows.push(...(await section.run(server.target, createMeasure(server.target, Number(values.runs), Number(values.duration)))));
    } finally {
      await server.stop();
    }
  }
}

printTable(rows);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replaceAll(':', '-')}.json`;
writeFileSync(
  file,
  JSON.stringify(
    { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, rows: withLiveShares(rows) },
    null,
    2,
  ),
);
process.stdout.write(`\nresults written to ${file}\n`);
