import { defineConfig } from 'vitest/config';
import { preferTestDatabaseUrl } from './test/helpers/test-database-url.js';

preferTestDatabaseUrl();

/** TEST_WORKERS: how many test files run at once (default 3). */
const testWorkers = Number(process.env.TEST_WORKERS ?? 3);
if (!Number.isInteger(testWorkers) || testWorkers < 1)
  throw new Error(`TEST_WORKERS must be a whole number of at least 1, not ${process.env.TEST_WORKERS}`);

/**
 * Files that run a server or the CLI on the embedded database whatever DATABASE_URL says: a second run of the
 * suite on PostgreSQL would only repeat them.
 */
const embeddedOnly = ['test/serve.test.ts', 'test/embedded-lock.test.ts', 'test/db.embedded-upgrade.test.ts', 'src/db/dir-lock.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(process.env.DATABASE_URL ? embeddedOnly : [])],
    // tls-setup makes the test CA the workers trust (NODE_EXTRA_CA_CERTS) for the federation tests' providers.
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/tls-setup.ts'],
    pool: 'forks',
    // Three workers on two cores: a test file waits on its browser, its spawned processes and its timers for
    // about a fifth of its time, which a third worker fills (PGlite suite 403–410 s with two, 372–380 s with three,
    // 370 s with four). As many kept as started: a worker the pool ends while idle makes tinypool reject with
    // "Terminating worker thread" after the run.
    poolOptions: { forks: { maxForks: testWorkers, minForks: testWorkers } },
    // A worker keeps the modules it loaded for the next file: each file builds its own app on its own database,
    // so nothing of one file's state reaches another, and loading the app once per worker instead of once per
    // file saves most of the suite's setup time.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
