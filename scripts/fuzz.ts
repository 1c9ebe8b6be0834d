/**
 * The long fuzzing run: `npm run fuzz -- --total 100000 [--seed N]`. Builds the app on a fresh test
 * database (PGlite, or DATABASE_URL/REDIS_URL when set), sends schema-driven hostile requests built from
 * /openapi.json, one in four structurally extreme (test/helpers/structural.ts), and prints the broken rules
 * (exit 1) or a summary with the answer times' percentiles.
 */
import { parseArgs } from 'node:util';
import { progressReporter } from '../src/cli/progress.js';
import { prepareTemplate } from '../test/helpers/databases.js';
import { fuzz } from '../test/helpers/fuzz.js';
import { auditChainReport, fuzzHarness } from '../test/helpers/fuzz-setup.js';

const { values } = parseArgs({ options: { total: { type: 'string', default: '100000' }, seed: { type: 'string' } } });
const total = Number(values.total);
const seed = Number(values.seed ?? Date.now() % 1_000_000);

await prepareTemplate();
const { h, credentials } = await fuzzHarness();
const started = performance.now();
const progress = progressReporter();
progress.start('fuzzing', total);
const { problems, statuses, p50, p99, slowest } = await fuzz(h.app, credentials, { total, seed, onProgress: () => progress.advance(1000) });
progress.stop();
const chain = await auditChainReport(h, credentials);
await h.close().catch((error: unknown) => problems.push(String(error)));
const seconds = (performance.now() - started) / 1000;
console.log(
  `fuzz: ${total} requests in ${seconds.toFixed(0)} s (seed ${seed}); per request p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, slowest ${slowest.toFixed(0)} ms; audit chain ${chain.valid ? 'valid' : 'BROKEN'} (${chain.checked} rows)`,
);
console.log(
  `fuzz: answers by status: ${Object.entries(statuses)
    .map(([status, count]) => `${status} × ${count}`)
    .join(', ')}`,
);
if (problems.length > 0 || !chain.valid) {
  console.log([...new Set(problems)].slice(0, 50).join('\n'));
  console.log(`fuzz: FAILED with ${problems.length} broken rules`);
  process.exit(1);
}
console.log('fuzz: every answer held the rules');
process.exit(0);
