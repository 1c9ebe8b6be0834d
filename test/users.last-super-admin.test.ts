import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser, login } from './helpers/auth.js';
import { driver } from './helpers/databases.js';

/** Two super-admins acting on each other at once: one of them stays, whoever wins. */
describe(`the last super-admin, under concurrent requests (${driver})`, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(() => h.close());

  const db = () => h.context.database.primary;
  /** Exactly two active super-admins, each signed in. */
  async function twoSuperAdmins() {
    await db().execute(sql`DELETE FROM user_roles WHERE role_id IN (SELECT id FROM roles WHERE is_super_admin)`);
    const made = [await createUser(h, { roles: ['admin'] }), await createUser(h, { roles: ['admin'] })];
    return Promise.all(made.map(async (user) => ({ id: user.id, headers: (await login(h, user.email, user.password)).headers })));
  }
  const activeSuperAdmins = async () =>
    (
      await queryRows<{ n: number }>(
        db(),
        sql`SELECT count(DISTINCT ur.user_id)::int AS n FROM user_roles ur JOIN roles r ON r.id = ur.role_id
            JOIN users u ON u.id = ur.user_id WHERE r.is_super_admin AND u.status = 'ACTIVE'`,
      )
    )[0]?.n;
  const superRoleId = async () =>
    (await queryRows<{ id: string }>(db(), sql`SELECT id FROM roles WHERE is_super_admin ORDER BY name LIMIT 1`))[0]?.id;

  for (const [what, request] of [
    ['suspend each other', (other: string) => ({ method: 'POST' as const, url: `/users/${other}/suspend` })],
    ['deactivate each other', (other: string) => ({ method: 'DELETE' as const, url: `/users/${other}` })],
    ['revoke each other’s role', (other: string, role: string) => ({ method: 'DELETE' as const, url: `/users/${other}/roles/${role}` })],
  ] as const) {
    it(`keeps one active super-admin of two who ${what} at once`, async () => {
      const role = (await superRoleId()) as string;
      for (let round = 0; round < 5; round++) {
        const [a, b] = await twoSuperAdmins();
        if (!a || !b) throw new Error('no super-admins');
        const answers = await Promise.all(
          [
            [a, b],
            [b, a],
          ].map(([actor, other]) => h.app.inject({ ...request(other?.id as string, role), headers: actor?.headers })),
        );
        const codes = answers.map((answer) => `${answer.statusCode} ${answer.statusCode >= 400 ? answer.json().code : ''}`.trim());
        expect(
          codes.filter((code) => /^20[04]$/.test(code)),
          codes.join(', '),
        ).toHaveLength(1);
        // The other is refused, or finds its session ended (a suspension ends them) or its role gone by the winner's hand:
        // then it no longer holds what it would take away (GRANT_EXCEEDS_OWN_ACCESS) or may not act at all.
        expect(codes.filter((code) => !/^20[04]$/.test(code))[0]).toMatch(
          /^(409 LAST_SUPER_ADMIN|401 [A-Z_]+|403 (FORBIDDEN|GRANT_EXCEEDS_OWN_ACCESS))$/,
        );
        expect(await activeSuperAdmins()).toBe(1);
      }
    });
  }
});
