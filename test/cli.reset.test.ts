import { spawnSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, queryRows } from '../src/db/client.js';
import { readMigrations } from '../src/db/migrator.js';
import { tablesInDependencyOrder } from '../src/db/tables.js';
import { seedPreset } from '../src/modules/index.js';
import { runCli, runCliOnTerminal, withDatabase } from './helpers/cli.js';
import { createDetachedDatabase, driver } from './helpers/databases.js';
import { exitOf, freePort, type Served, startServer, waitForHealth } from './helpers/serve.js';

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const migrations = readMigrations().map((file) => file.name);
const hasScript = spawnSync('script', ['--version']).status === 0;

const disposals: (() => Promise<void>)[] = [];
const servers: Served[] = [];
afterEach(async () => {
  for (const { child } of servers.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dispose of disposals.splice(0)) await dispose();
});

/** A migrated database of the test's own, not opened by this process: a spawned command's (8 MB page cache on PGlite). */
async function detached(): Promise<Record<string, string>> {
  const target = await createDetachedDatabase();
  disposals.push(() => target.dispose());
  return { ...target.env, EMBEDDED_SHARED_BUFFERS: '8MB' };
}

/** What the command names as the database it destroys. */
const targetOf = (env: Record<string, string>) =>
  env.DATABASE_URL
    ? `the PostgreSQL database "${new URL(env.DATABASE_URL).pathname.slice(1)}" (${env.DATABASE_URL})`
    : `the embedded database in DATA_DIR ${env.DATA_DIR}`;

/** What a developer's database holds before a reset: a user, another preset, an audit row waiting to be sealed (which `migrate down` refuses). */
async function fillIn(database: Database) {
  await seedPreset(database.primary, 'learning');
  await database.primary.execute(
    sql`INSERT INTO users (id, email, first_name, last_name) VALUES ('0190a0a0-0000-7000-8000-000000000001', 'before@example.com', 'Be', 'Fore')`,
  );
  await database.primary.execute(sql`INSERT INTO audit_logs (action, entity) VALUES ('test.before', 'test')`);
}

/** Besides Tessera's tables: the job runner's schema (Tessera's, made outside the migrations) and a schema that is not Tessera's. */
async function addSchemasAround(database: Database) {
  await database.withSession((session) =>
    session.exec(`CREATE SCHEMA pgboss; CREATE TABLE pgboss.job (id int); INSERT INTO pgboss.job VALUES (1);
      CREATE SCHEMA keep; CREATE TABLE keep.notes (note text); INSERT INTO keep.notes VALUES ('not Tessera''s')`),
  );
}

interface State {
  users: string[];
  roles: string[];
  audit: string[];
  applied: number;
  jobsSchema: boolean;
  notes: string[];
}

async function stateOf(database: Database): Promise<State> {
  const column = async (query: ReturnType<typeof sql>) =>
    (await queryRows<{ value: string }>(database.primary, query)).map((row) => row.value);
  const [found] = await queryRows<{ applied: number; jobs: string | null; notes: string | null }>(
    database.primary,
    sql`SELECT (SELECT count(*)::int FROM tessera_migrations) AS applied, to_regnamespace('pgboss')::text AS jobs, to_regclass('keep.notes')::text AS notes`,
  );
  return {
    users: await column(sql`SELECT email AS value FROM users ORDER BY email`),
    roles: await column(sql`SELECT name AS value FROM roles ORDER BY name`),
    audit: await column(sql`SELECT action AS value FROM audit_logs WHERE action LIKE 'test.%'`),
    applied: found?.applied ?? 0,
    jobsSchema: Boolean(found?.jobs),
    notes: found?.notes ? await column(sql`SELECT note AS value FROM keep.notes`) : [],
  };
}

const untouched: State = {
  users: ['before@example.com'],
  roles: ['INSTRUCTOR', 'LEARNER', 'ORG_ADMIN', 'SUPER_ADMIN'],
  audit: ['test.before'],
  applied: migrations.length,
  jobsSchema: true,
  notes: ["not Tessera's"],
};

describe(`tessera migrate reset (${driver})`, () => {
  it('refuses without --force when there is no terminal to confirm in, and changes nothing', async () => {
    const env = await detached();
    await withDatabase(env, async (database) => {
      await fillIn(database);
      await addSchemasAround(database);
    });
    const refused = await runCli(['migrate', 'reset'], env);
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([
      1,
      '',
      `tessera: error: migrate reset drops every table and its data in ${targetOf(env)}; there is no terminal to confirm it in: pass --force to reset without asking\n`,
    ]);
    expect(await withDatabase(env, stateOf)).toEqual(untouched);
  }, 60_000);

  it.skipIf(!hasScript)(
    'on a terminal, names the database (its password masked) and changes nothing unless told yes',
    async () => {
      const env = await detached();
      await withDatabase(env, fillIn);
      // Never connected to: the question comes before the database is opened, and the answer is no.
      const withPassword = env.DATABASE_URL
        ? { ...env, DATABASE_URL: env.DATABASE_URL.replace('postgres@', 'postgres:hunter2-secret@') }
        : env;
      const asked = await runCliOnTerminal(['migrate', 'reset'], withPassword, 'n\n');
      const shown = env.DATABASE_URL ? targetOf(env).replace('postgres@', 'postgres:***@') : targetOf(env);
      expect(asked.output).toContain(
        `This drops every Tessera table and its data in ${shown}, then applies every migration and seeds the preset basic again.\n`,
      );
      if (!env.DATABASE_URL) expect(asked.output).toContain('Last backup: none recorded');
      expect(asked.output).toMatch(/Reset it\? \[y\/N\] n\n+tessera: error: cancelled: nothing was changed\n$/);
      expect(asked.output).not.toContain('hunter2-secret');
      expect(asked.code).toBe(1);
      expect((await withDatabase(env, stateOf)).users).toEqual(['before@example.com']);
    },
    60_000,
  );

  it('drops every table and its data, applies every migration again, seeds the default preset and makes the bootstrap admin', async () => {
    const env = await detached();
    await withDatabase(env, async (database) => {
      await fillIn(database);
      await addSchemasAround(database);
    });
    const bootstrap = {
      DEFAULT_PRESET: 'events',
      BOOTSTRAP_ADMIN_EMAIL: 'boot@example.com',
      BOOTSTRAP_ADMIN_PASSWORD: 'a long admin passphrase',
    };
    const reset = await runCli(['migrate', 'reset', '--force'], { ...env, ...bootstrap });
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    expect(reset.stdout.split('\n')).toEqual([
      `resetting ${targetOf(env)}`,
      `emptied: ${tablesInDependencyOrder().length} tables`,
      `rolled back: ${[...migrations].reverse().join(', ')}`,
      'dropped: tessera_migrations, schema pgboss',
      `applied: ${migrations.join(', ')}`,
      'committed: every table dropped and made again, every migration applied',
      'preset events seeded: 3 roles',
      'bootstrap super-admin created: boot@example.com',
      `reset done: ${targetOf(env)}`,
      '',
    ]);

    const status = await runCli(['migrate', 'status'], env);
    expect(status.stdout.trim().split('\n')).toEqual(
      migrations.map((name) => expect.stringMatching(new RegExp(`^applied {2}${name} {2}\\d{4}-`))),
    );
    await withDatabase(env, async (database) => {
      // The user, the other preset's roles and the audit row are gone; what is not Tessera's stays.
      expect(await stateOf(database)).toEqual({
        users: ['boot@example.com'],
        roles: ['ADMIN', 'ORGANIZER', 'PARTICIPANT'],
        audit: [],
        applied: migrations.length,
        jobsSchema: false,
        notes: ["not Tessera's"],
      });
      const superAdmins = await queryRows<{ name: string }>(
        database.primary,
        sql`SELECT r.name FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id WHERE r.is_super_admin`,
      );
      expect(superAdmins).toEqual([{ name: 'ADMIN' }]);
    });
  }, 120_000);

  it('fails part-way as one transaction: says where, and leaves the database as it was', async () => {
    const env = await detached();
    await withDatabase(env, async (database) => {
      await fillIn(database);
      await addSchemasAround(database);
      // Not Tessera's, so the reset leaves it: it refuses one of the tables the twelfth migration makes again.
      await database.withSession((session) =>
        session.exec(`CREATE FUNCTION keep.refuse_oidc() RETURNS event_trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE object_identity LIKE '%.oidc_artifacts') THEN
              RAISE EXCEPTION 'oidc_artifacts refused by the test';
            END IF;
          END $$;
          CREATE EVENT TRIGGER refuse_oidc ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION keep.refuse_oidc()`),
      );
    });
    const failed = await runCli(['migrate', 'reset', '--force'], env);
    expect([failed.code, failed.stderr]).toEqual([
      1,
      'tessera: error: reset failed while applying 0012_oidc: oidc_artifacts refused by the test; nothing was changed (the reset is one transaction, rolled back)\n',
    ]);
    expect(failed.stdout).toContain('dropped: tessera_migrations, schema pgboss\n');
    expect(failed.stdout).not.toContain('applied:');
    expect(await withDatabase(env, stateOf)).toEqual(untouched);
  }, 120_000);

  it('refuses next to a running server on the same database, which keeps serving', async () => {
    const env = await detached();
    await withDatabase(env, fillIn);
    const port = await freePort();
    const served = startServer({ DATABASE_URL: '', ...env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: '' });
    servers.push(served);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, served);

    const refused = await runCli(['migrate', 'reset', '--force'], env);
    expect(refused.code).toBe(1);
    if (env.DATABASE_URL) {
      // No lock file on PostgreSQL: the server's connections (its job runner's among them) are what tells.
      expect(refused.stderr).toMatch(
        new RegExp(
          `^tessera: error: \\d+ other connections? to ${literally(targetOf(env))} \\(.*pgboss.*\\): a running Tessera node or another client; stop them first, then run this again\\n$`,
        ),
      );
    } else {
      // The embedded directory's lock names the server: the reset is refused, as `restore` and `migrate down` are.
      expect(refused.stderr).toBe(
        `tessera: error: DATA_DIR ${env.DATA_DIR} is held by \`tessera serve\` (pid ${served.child.pid}): \`tessera migrate reset\` must not run next to it; stop it first, then run this again\n`,
      );
    }
    expect(await (await fetch(`${url}/setup`)).json()).toEqual({ firstAdminNeeded: false });
    served.child.kill('SIGTERM');
    expect(await exitOf(served.child)).toEqual({ code: 0, signal: null });
    expect((await withDatabase(env, stateOf)).users).toEqual(['before@example.com']);
  }, 180_000);
});
