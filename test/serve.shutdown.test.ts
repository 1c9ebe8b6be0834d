import { describe, expect, it } from 'vitest';
import { createDetachedDatabase } from './helpers/databases.js';
import { exitOf, freePort, startServer, waitForHealth } from './helpers/serve.js';

// On the suite's database: embedded PGlite, or PostgreSQL in CI's second run, where a closed pool refuses at once.
describe('a node stopping on SIGTERM', () => {
  it('finishes the sign-ins of clients that gave up before it closes the database', async () => {
    const database = await createDetachedDatabase();
    try {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const admin = { email: 'boot@example.com', password: 'bootstrap passphrase' };
      const served = startServer({
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: '',
        REDIS_URL: '',
        ...database.env,
        BOOTSTRAP_ADMIN_EMAIL: admin.email,
        BOOTSTRAP_ADMIN_PASSWORD: admin.password,
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      });
      await waitForHealth(url, served);
      // 150 password checks queue behind the hash's threads: most are still running when their clients leave.
      const gaveUp = new AbortController();
      const signIns = Array.from({ length: 150 }, () =>
        fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(admin),
          signal: gaveUp.signal,
        }).catch(() => undefined),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      gaveUp.abort();
      await Promise.all(signIns);
      served.child.kill('SIGTERM');
      expect(await exitOf(served.child)).toEqual({ code: 0, signal: null });
      expect(served.output()).not.toMatch(/"level":50/);
      expect(served.output()).not.toMatch(/still running/);
    } finally {
      await database.dispose();
    }
  }, 90_000);
});
