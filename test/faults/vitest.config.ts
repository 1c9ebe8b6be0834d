import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { preferTestDatabaseUrl } from '../helpers/test-database-url.js';

preferTestDatabaseUrl();

// `npm run test:faults`: faults injected through TCP proxies in front of PostgreSQL and Redis. Kept out
// of `npm test` (files end in .fault.ts) because they wait on timeouts; one file at a time, since they
// measure how long answers take.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/faults/**/*.fault.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
