import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { migrateUp } from '../src/db/migrator.js';
import { createTestDatabase, driver, rollBackThrough, type TestDatabase } from './helpers/databases.js';

const id = (n: number) => `0190b000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const [orgA, orgB] = [id(1), id(2)];
const [superAdmin, crossTenant, adminA, learnerB, drifter] = [id(10), id(11), id(12), id(13), id(14)];
const [superRole, crossRole, adminRole, learnerRole] = [id(20), id(21), id(22), id(23)];
const [usersWrite, tenantsAll, learningRead] = [id(30), id(31), id(32)];

// The upgrade of a database made by the schema before memberships: every person's organization becomes a
// membership holding the roles and direct grants they had, and platform-wide ones stay platform-wide.
describe(`memberships migration (${driver})`, () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
    await rollBackThrough(test.database, '0008_memberships');
    const db = test.database.primary;
    await db.execute(sql`INSERT INTO organizations (id, name, slug) VALUES (${orgA}, 'A', 'a'), (${orgB}, 'B', 'b')`);
    await db.execute(
      sql`INSERT INTO permissions (id, name) VALUES (${usersWrite}, 'users:write'), (${tenantsAll}, 'tenants:all'), (${learningRead}, 'learning:read')`,
    );
    await db.execute(sql`INSERT INTO roles (id, name, is_super_admin) VALUES (${superRole}, 'SUPER', true), (${crossRole}, 'CROSS', false),
      (${adminRole}, 'ORG_ADMIN', false), (${learnerRole}, 'LEARNER', false)`);
    await db.execute(
      sql`INSERT INTO role_permissions (role_id, permission_id) VALUES (${crossRole}, ${tenantsAll}), (${adminRole}, ${usersWrite})`,
    );
    const user = (userId: string, email: string, organizationId: string | null) =>
      db.execute(
        sql`INSERT INTO users (id, email, first_name, last_name, organization_id) VALUES (${userId}, ${email}, 'F', 'L', ${organizationId})`,
      );
    await user(superAdmin, 'super@example.com', orgA);
    await user(crossTenant, 'cross@example.com', orgA);
    await user(adminA, 'admin@example.com', orgA);
    await user(learnerB, 'learner@example.com', orgB);
    await user(drifter, 'drifter@example.com', null);
    await db.execute(sql`INSERT INTO user_roles (user_id, role_id) VALUES (${superAdmin}, ${superRole}), (${crossTenant}, ${crossRole}),
      (${crossTenant}, ${learnerRole}), (${adminA}, ${adminRole}), (${learnerB}, ${learnerRole}), (${drifter}, ${adminRole})`);
    await db.execute(
      sql`INSERT INTO user_permissions (user_id, permission_id) VALUES (${adminA}, ${tenantsAll}), (${learnerB}, ${learningRead})`,
    );
    expect((await migrateUp(test.database))[0]).toBe('0008_memberships');
  });
  afterAll(() => test.dispose());

  it('makes every organization a membership', async () => {
    const rows = await queryRows<{ user_id: string; organization_id: string; status: string }>(
      test.database.primary,
      sql`SELECT user_id, organization_id, status FROM organization_memberships ORDER BY user_id`,
    );
    expect(rows).toEqual([
      { user_id: superAdmin, organization_id: orgA, status: 'ACTIVE' },
      { user_id: crossTenant, organization_id: orgA, status: 'ACTIVE' },
      { user_id: adminA, organization_id: orgA, status: 'ACTIVE' },
      { user_id: learnerB, organization_id: orgB, status: 'ACTIVE' },
    ]);
  });

  it('keeps every role and direct grant, within the organization unless it is platform-wide', async () => {
    const roles = await queryRows<{ user_id: string; role_id: string; organization_id: string | null }>(
      test.database.primary,
      sql`SELECT user_id, role_id, organization_id FROM user_roles ORDER BY user_id, role_id`,
    );
    expect(roles).toEqual([
      { user_id: superAdmin, role_id: superRole, organization_id: null },
      { user_id: crossTenant, role_id: crossRole, organization_id: null },
      { user_id: crossTenant, role_id: learnerRole, organization_id: orgA },
      { user_id: adminA, role_id: adminRole, organization_id: orgA },
      { user_id: learnerB, role_id: learnerRole, organization_id: orgB },
      { user_id: drifter, role_id: adminRole, organization_id: null },
    ]);
    const direct = await queryRows<{ user_id: string; permission_id: string; organization_id: string | null }>(
      test.database.primary,
      sql`SELECT user_id, permission_id, organization_id FROM user_permissions ORDER BY user_id`,
    );
    expect(direct).toEqual([
      { user_id: adminA, permission_id: tenantsAll, organization_id: null },
      { user_id: learnerB, permission_id: learningRead, organization_id: orgB },
    ]);
  });

  it('rolls back to one platform-wide grant per role and back up again', async () => {
    await rollBackThrough(test.database, '0008_memberships');
    const [count] = await queryRows<{ n: number }>(test.database.primary, sql`SELECT count(*)::int AS n FROM user_roles`);
    expect(count?.n).toBe(6);
    expect((await migrateUp(test.database))[0]).toBe('0008_memberships');
  });
});
