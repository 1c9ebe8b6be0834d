import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';

describe('list totals past 10,000 matches', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
    await h.context.database.primary.execute(
      sql`INSERT INTO users (id, email, first_name, last_name, status)
          SELECT gen_random_uuid(), 'bulk' || g || '@example.com', 'Bulk', 'User' || g, 'ACTIVE' FROM generate_series(1, 10050) g`,
    );
    await h.context.database.primary.execute(sql`ANALYZE users`);
  });
  afterAll(() => h.close());

  it('answers with an estimate, marked as such, instead of counting every row', async () => {
    const admin = await loginAs(h, { roles: ['admin'] });
    const big = (await h.app.inject({ method: 'GET', url: '/users?page=1&limit=5&status=ACTIVE', headers: admin.headers })).json();
    expect(big.totalExact).toBe(false);
    expect(big.total).toBeGreaterThan(10_000);
    expect(big.data).toHaveLength(5);
    const small = (await h.app.inject({ method: 'GET', url: '/users?page=1&search=bulk1234', headers: admin.headers })).json();
    expect(small).toMatchObject({ total: 1, totalExact: true });
  });
});
