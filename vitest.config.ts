import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // tls-setup makes the test CA the workers trust (NODE_EXTRA_CA_CERTS) for the federation tests' providers.
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/tls-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
