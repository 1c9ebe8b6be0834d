import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { failureLine } from '../src/cli/failure.js';
import { type Database, queryRows } from '../src/db/client.js';
import { migrateDown } from '../src/db/migrator.js';
import { tablesInDependencyOrder } from '../src/db/tables.js';
import { presetNames } from '../src/modules/access/presets.js';
import { sealPending } from '../src/modules/audit/sealer.js';
import { seedPreset } from '../src/modules/index.js';
import { allPermissions } from '../src/platform/permissions.js';
import { runCli, runCliOnTerminal, startCli, withDatabase } from './helpers/cli.js';
import { createDetachedDatabase, driver } from './helpers/databases.js';

type Detached = Awaited<ReturnType<typeof createDetachedDatabase>>;

/** Every row of every table, as sorted JSON, for whole-database comparisons. */
async function snapshot(database: Database): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const table of tablesInDependencyOrder()) {
    const rows = await queryRows<{ row: string }>(database.primary, sql.raw(`SELECT row_to_json(t)::text AS row FROM "${table}" t`));
    result[table] = rows.map((row) => row.row).sort();
  }
  return result;
}

/**
 * Links a row into the chain as the sealer does (the next seq, the hash before it as its prev_hash), with a stand-in
 * hash: this version's sealer reads columns that the schema a rollback has reached does not have yet.
 */
const sealInSql = (database: Database, id: number) =>
  database.primary.execute(sql`
    UPDATE audit_logs SET seq = tail.seq + 1, prev_hash = tail.hash, hash = md5(${String(id)}) || md5(${String(id)})
    FROM (SELECT coalesce(max(seq), 0) AS seq,
                 coalesce((SELECT hash FROM audit_logs WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1), repeat('0', 64)) AS hash
          FROM audit_logs) AS tail
    WHERE id = ${id}`);

describe(`tessera CLI (${driver})`, () => {
  let target: Detached;
  beforeAll(async () => {
    target = await createDetachedDatabase();
  });
  afterAll(() => target.dispose());

  it('lists migrations as applied, rolls the last one back and applies it again', async () => {
    const status = await runCli(['migrate', 'status'], target.env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^applied {2}0000_init {2}\d{4}-/m);
    expect(status.stdout).toMatch(/^applied {2}0001_search/m);

    // Newest first, each step rolled back and seen gone from the schema: the newest by the CLI, the others
    // by the same migrator in this process (a CLI process per step costs seconds each and proves no more).
    const steps: [migration: string, leftover: ReturnType<typeof sql>][] = [
      // An administrator's impersonations are looked for through every session again.
      ['0030_sessions_impersonator_index', sql`SELECT 1 FROM pg_indexes WHERE indexname = 'sessions_impersonator_idx'`],
      // The "I did not sign up" links go with their purpose.
      ['0029_registration_dispute', sql`SELECT 1 FROM pg_enum WHERE enumlabel = 'REGISTRATION_DISPUTE'`],
      // Interactions with their pushed request's id and return address sealed go (the previous version reads them as stored).
      [
        '0028_oidc_interaction_sealed',
        sql`SELECT 1 FROM oidc_artifacts WHERE model = 'Interaction' AND payload->>'returnTo' LIKE 'enc:v1:%'`,
      ],
      // A learner's minutes and points are counted in 32 bits again.
      [
        '0027_learning_totals_bigint',
        sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'learning_stats' AND data_type = 'bigint'`,
      ],
      // The provider's artifacts under digests go (the previous version would look them up by their value); grants stay.
      ['0026_oidc_artifact_digests', sql`SELECT 1 FROM oidc_artifacts WHERE model <> 'Grant'`],
      // Sessions forget whether the hosted pages began them: any unspent refresh token opens the pages again.
      ['0025_session_browser', sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'sessions' AND column_name = 'browser'`],
      // Audit rows are hashed over their IP address and user agent again, which an erasure then leaves.
      [
        '0024_audit_client_digest',
        sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'audit_logs' AND column_name IN ('client_digest', 'client_erased_at')`,
      ],
      // A person's audit rows are found through the actor and entity indexes again.
      ['0023_audit_entity_id_index', sql`SELECT 1 FROM pg_indexes WHERE indexname = 'audit_logs_entity_id_idx'`],
      // A hosted page's code for an app forgets how the browser signed in.
      ['0022_federation_code_amr', sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'oauth_codes' AND column_name = 'amr'`],
      // Audit rows are hashed over their payload again, and neither they nor deliveries name their subjects.
      ['0021_audit_erasure', sql`SELECT 1 FROM information_schema.columns WHERE column_name IN ('payload_digest', 'subjects')`],
      // Identity providers forget whether their verified addresses are trusted.
      ['0020_identity_provider_trust_email', sql`SELECT 1 FROM information_schema.columns WHERE column_name = 'trust_email_verified'`],
      // Applications belong to no organization again: every one is the platform's.
      [
        '0019_application_organizations',
        sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'applications' AND column_name = 'organization_id'`,
      ],
      // Due webhook deliveries are found through the status index again, not each endpoint's pending ones.
      ['0018_webhook_due_index', sql`SELECT 1 FROM pg_indexes WHERE indexname = 'webhook_deliveries_pending_idx'`],
      // A session's spent refresh tokens are looked through again to find its unspent one.
      ['0017_refresh_tokens_unspent', sql`SELECT 1 FROM pg_indexes WHERE indexname = 'refresh_tokens_session_used_idx'`],
      // Organizations forget their own brand.
      [
        '0016_organization_branding',
        sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'organizations' AND column_name = 'brand_name'`,
      ],
      // Remembered browsers are forgotten: every sign-in asks its second factor again.
      ['0015_mfa_remembered_devices', sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'mfa_remembered_devices'`],
      // Webhook deliveries forget the entities' versions.
      ['0014_webhook_entity_versions', sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'webhook_entity_versions'`],
      // Sessions forget who acted as their user.
      ['0013_impersonation', sql`SELECT 1 FROM information_schema.columns WHERE column_name = 'impersonator_id'`],
      // Applications and the OpenID provider's stored artefacts go.
      ['0012_oidc', sql`SELECT 1 FROM information_schema.tables WHERE table_name IN ('applications', 'oidc_artifacts')`],
      ['0011_mfa', sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'mfa_challenges'`],
      ['0010_session_amr', sql`SELECT 1 FROM information_schema.columns WHERE table_name = 'sessions' AND column_name = 'amr'`],
      ['0009_webhooks', sql`SELECT 1 FROM information_schema.tables WHERE table_name LIKE 'webhook%'`],
      // Grants become platform-wide again and the memberships table goes.
      ['0008_memberships', sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'organization_memberships'`],
      // The key that made a key is forgotten.
      ['0007_api_key_parents', sql`SELECT 1 FROM information_schema.columns WHERE column_name = 'created_by_key_id'`],
      // A pending address is forgotten.
      ['0006_email_change', sql`SELECT 1 FROM information_schema.columns WHERE column_name = 'pending_email'`],
      // Providers, flows and codes go; identities keep only provider and subject.
      ['0005_federation', sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'oauth_flows'`],
      // The temporary-password flag and the invitations' new columns go.
      ['0004_onboarding', sql`SELECT 1 FROM information_schema.columns WHERE column_name = 'password_change_required'`],
    ];
    const [[newest, newestLeftover], ...older] = steps as [(typeof steps)[number], ...typeof steps];
    expect((await runCli(['migrate', 'down'], target.env)).stdout.trim()).toBe(`rolled back: ${newest}`);
    await withDatabase(target.env, async (database) => {
      expect(await queryRows(database.primary, newestLeftover)).toHaveLength(0);
      for (const [migration, leftover] of older) {
        expect(await migrateDown(database)).toBe(migration);
        expect(await queryRows(database.primary, leftover)).toHaveLength(0);
      }
      // The learning records' migration then: its tables go, the earlier skill and activity indexes come back.
      expect(await migrateDown(database)).toBe('0003_learning');
      const gone = await queryRows(database.primary, sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'learning_events'`);
      expect(gone).toHaveLength(0);
      const [unique] = await queryRows(database.primary, sql`SELECT 1 FROM pg_constraint WHERE conname = 'user_skills_user_skill_unique'`);
      expect(unique).toBeDefined();

      // Rolling sealing back is refused while a row waits to be sealed (the command's refusal below); then
      // ids follow the chain again, the order the previous schema verifies in (here id 1 was sealed after id 2).
      await database.primary.execute(sql`INSERT INTO audit_logs (id, action, entity) VALUES (2, 'test.earlier', 'test')`);
      await sealInSql(database, 2);
      await database.primary.execute(sql`INSERT INTO audit_logs (id, action, entity) VALUES (1, 'test.later', 'test')`);
    });
    const refused = await runCli(['migrate', 'down'], target.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('audit rows are waiting to be sealed');
    await withDatabase(target.env, async (database) => {
      await sealInSql(database, 1);
      expect(await migrateDown(database)).toBe('0002_audit_sealing');
      const chain = await queryRows<{ action: string; linked: boolean }>(
        database.primary,
        sql`SELECT action, prev_hash = coalesce(lag(hash) OVER (ORDER BY id), repeat('0', 64)) AS linked FROM audit_logs ORDER BY id`,
      );
      expect(chain).toEqual([
        { action: 'test.earlier', linked: true },
        { action: 'test.later', linked: true },
      ]);
      await database.primary.execute(sql`DELETE FROM audit_logs`);
      expect(await migrateDown(database)).toBe('0001_search');
      const [index] = await queryRows(database.primary, sql`SELECT 1 FROM pg_indexes WHERE indexname = 'users_search_trgm_idx'`);
      expect(index).toBeUndefined();
    });
    expect((await runCli(['migrate', 'status'], target.env)).stdout).toMatch(/^pending {2}0001_search$/m);

    const down2 = await runCli(['migrate', 'rollback'], target.env);
    expect(down2.stdout.trim()).toBe('rolled back: 0000_init');
    await withDatabase(target.env, async (database) => {
      const tables = await queryRows(database.primary, sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'users'`);
      expect(tables).toHaveLength(0);
    });

    const up = await runCli(['migrate', 'up'], target.env);
    expect(up.stdout.trim()).toBe(
      'applied: 0000_init, 0001_search, 0002_audit_sealing, 0003_learning, 0004_onboarding, 0005_federation, 0006_email_change, 0007_api_key_parents, 0008_memberships, 0009_webhooks, 0010_session_amr, 0011_mfa, 0012_oidc, 0013_impersonation, 0014_webhook_entity_versions, 0015_mfa_remembered_devices, 0016_organization_branding, 0017_refresh_tokens_unspent, 0018_webhook_due_index, 0019_application_organizations, 0020_identity_provider_trust_email, 0021_audit_erasure, 0022_federation_code_amr, 0023_audit_entity_id_index, 0024_audit_client_digest, 0025_session_browser, 0026_oidc_artifact_digests, 0027_learning_totals_bigint, 0028_oidc_interaction_sealed, 0029_registration_dispute, 0030_sessions_impersonator_index',
    );
    expect((await runCli(['migrate', 'deploy'], target.env)).stdout.trim()).toBe('nothing to apply: the database is up to date');
    // Seven CLI processes: a loaded machine needs more than the default 30 s.
  }, 240_000);

  it('applies each preset twice without duplicating anything', async () => {
    // Each preset once through the command, then each again through the same code in this process: a CLI
    // process per application costs seconds on a loaded machine and proves no more than the second pass here.
    for (const preset of presetNames) {
      // One of them named by DEFAULT_PRESET alone, as a first start would seed it.
      const byDefault = preset === 'events';
      const result = await runCli(
        byDefault ? ['seed'] : ['seed', '--preset', preset],
        byDefault ? { ...target.env, DEFAULT_PRESET: preset } : target.env,
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^preset ${preset} applied: \\d+ roles$`, 'm'));
    }
    await withDatabase(target.env, async (database) => {
      for (const preset of presetNames) await seedPreset(database.primary, preset);
      const [counts] = await queryRows<Record<string, number>>(
        database.primary,
        sql`SELECT (SELECT count(*)::int FROM roles) AS roles,
                   (SELECT count(DISTINCT name)::int FROM roles) AS distinct_roles,
                   (SELECT count(*)::int FROM permissions) AS permissions,
                   (SELECT count(*)::int FROM user_types) AS user_types,
                   (SELECT count(*)::int FROM subscription_plans) AS plans,
                   (SELECT count(*)::int FROM roles WHERE is_default) AS defaults`,
      );
      // basic 2 + events 3 + learning 4 + saas 3 (its "admin" is basic's, updated in place) = 11.
      expect(counts).toEqual({ roles: 11, distinct_roles: 11, permissions: allPermissions.length, user_types: 3, plans: 3, defaults: 1 });
      const superAdmins = await queryRows<{ name: string }>(
        database.primary,
        sql`SELECT name FROM roles WHERE is_super_admin ORDER BY name`,
      );
      expect(superAdmins.map((row) => row.name)).toEqual(['ADMIN', 'SUPER_ADMIN', 'super_admin']);
    });
    // Four CLI processes: as above, a loaded machine needs more than the default 30 s.
  }, 120_000);

  it('rejects an unknown preset with one clear line', async () => {
    const result = await runCli(['seed', '--preset', 'nope'], target.env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("argument 'nope' is invalid");
  });

  it('creates a super-admin once, with a password from stdin that meets the policy, and refuses a second with the same email', async () => {
    const createAdmin = (email: string, password?: string) =>
      runCli(['create-admin', '--email', email, ...(password === undefined ? [] : ['--password-stdin'])], target.env, password);
    // Never from argv (other users of the machine can read it); without a terminal to ask in, stdin it is.
    const noTerminal = await createAdmin('root@example.com');
    expect(noTerminal.stderr.trim()).toBe('tessera: error: no terminal to ask for the password in: pass it on stdin with --password-stdin');
    const weak = await createAdmin('root@example.com', 'password\n');
    expect(weak.stderr.trim()).toBe('tessera: error: the password must be at least 10 characters');
    const first = await createAdmin('Root@Example.com', 'a long admin passphrase\n');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^super-admin created: root@example.com \(/);
    const again = await createAdmin('root@example.com', 'another passphrase');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('tessera: error: A user with the email root@example.com already exists.');
    await withDatabase(target.env, async (database) => {
      const [user] = await queryRows<{ password_hash: string; roles: string[] }>(
        database.primary,
        sql`SELECT u.password_hash, array_agg(r.name) AS roles FROM users u
            JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
            WHERE u.email = 'root@example.com' GROUP BY u.password_hash`,
      );
      expect(user?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(user?.roles).toHaveLength(1);
    });
    const audit = await runCli(['audit', 'verify'], target.env);
    expect(audit.stdout.trim()).toBe('audit chain intact: 0 rows; 1 rows waiting to be sealed');
    await withDatabase(target.env, (database) => sealPending(database.primary));
    expect((await runCli(['audit', 'verify'], target.env)).stdout.trim()).toBe('audit chain intact: 1 rows');
  }, 90_000);

  it('backs up and restores into an empty database, row for row', async () => {
    const file = `${tmpdir()}/tessera-backup-${process.pid}-${Date.now()}.jsonl.gz`;
    const empty = await createDetachedDatabase();
    try {
      const backup = await runCli(['backup', '--out', file], target.env);
      expect(backup.code).toBe(0);
      expect(backup.stdout).toContain(`rows, ${tablesInDependencyOrder().length} tables)`);
      expect(backup.stderr).toContain('users: 1/1 rows');
      // Every password hash is in it: the owner's alone, whatever the umask; and written whole or not at all.
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(existsSync(`${file}.partial`)).toBe(false);

      const restore = await runCli(['restore', '--in', file], empty.env);
      expect(restore.stderr.split('\n').filter((line) => line.startsWith('tessera:'))).toEqual([]);
      expect(restore.code).toBe(0);
      const [before, after] = [await withDatabase(target.env, snapshot), await withDatabase(empty.env, snapshot)];
      expect(after).toEqual(before);
      expect(after.users).toHaveLength(1);

      const twice = await runCli(['restore', '--in', file], empty.env);
      expect(twice.code).toBe(1);
      expect(twice.stderr.trim()).toMatch(/^tessera: error: the target database is not empty \(table \w+ has rows\)$/);
      expect((await runCli(['audit', 'verify'], empty.env)).stdout.trim()).toBe('audit chain intact: 1 rows');
    } finally {
      rmSync(file, { force: true });
      await empty.dispose();
    }
  }, 90_000);

  it('rotates the signing key', async () => {
    const first = await runCli(['keys', 'rotate'], target.env);
    expect(first.stdout).toMatch(/^new signing key active: [0-9a-f-]{36}$/m);
    const second = await runCli(['keys', 'rotate'], target.env);
    await withDatabase(target.env, async (database) => {
      const rows = await queryRows<{ status: string }>(database.primary, sql`SELECT status FROM signing_keys ORDER BY created_at`);
      expect(rows.map((row) => row.status)).toEqual(['RETIRING', 'RETIRING', 'ACTIVE'].slice(-rows.length));
    });
    expect(second.code).toBe(0);
  }, 90_000);

  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'asks for the password on the terminal, not on stdout, and takes both answers typed at once',
    async () => {
      const out = `${tmpdir()}/tessera-create-admin-${process.pid}.txt`;
      try {
        const typed = 'a long typed passphrase\r'.repeat(2);
        const result = await runCliOnTerminal(['create-admin', '--email', 'typed@example.com'], target.env, typed, out);
        expect(result.output).toContain('Password: \nPassword again: \n');
        expect(result.code).toBe(0);
        expect(readFileSync(out, 'utf8')).toMatch(/^super-admin created: typed@example\.com \([0-9a-f-]{36}\)\n$/);
      } finally {
        rmSync(out, { force: true });
      }
    },
    60_000,
  );

  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'cancels at Ctrl-D on an empty hidden answer, as at Ctrl-C, and at input typed without its newline, creating no one',
    async () => {
      const result = await runCliOnTerminal(['create-admin', '--email', 'ctrl-d@example.com'], target.env, [
        { after: 'Password: ', keys: 'a long typed passphrase\r' },
        { after: 'Password again: ', keys: '\u0004' },
      ]);
      expect(result.output).toBe('Password: \nPassword again: \ntessera: error: cancelled\n');
      expect(result.code).toBe(1);
      // --password-stdin typed at the terminal: Ctrl-D mid-line hands over what was typed, a second ends the input.
      const cutShort = await runCliOnTerminal(
        ['create-admin', '--email', 'ctrl-d@example.com', '--password-stdin'],
        target.env,
        'a long typed pass\u0004\u0004',
      );
      expect(cutShort.output).toMatch(/tessera: error: cancelled: the input ended before the password and its newline\n$/);
      expect(cutShort.code).toBe(1);
      await withDatabase(target.env, async (database) => {
        expect(await queryRows(database.primary, sql`SELECT 1 FROM users WHERE email = 'ctrl-d@example.com'`)).toHaveLength(0);
      });
    },
    60_000,
  );

  it('fails a backup it cannot write in one line, before reading anything', async () => {
    const result = await runCli(['backup', '--out', `${tmpdir()}/no-such-directory-${process.pid}/backup.gz`], target.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tessera: error: cannot write .*\/backup\.gz: no such directory\n$/);
  });

  it('refuses, as the API does, an email address the database cannot hold', async () => {
    const result = await runCli(
      ['create-admin', '--email', `${'a'.repeat(250)}@example.com`, '--password-stdin'],
      target.env,
      'a long admin passphrase\n',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: option '--email <email>' argument '.*' is invalid\. not an email address\n/);
  });

  it('prints a failed statement without its parameters (a password hash, a token)', async () => {
    const failure = await withDatabase(target.env, (database) =>
      database.primary.execute(sql`SELECT ${'$argon2id$secret'}::text, 1 / 0`).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(failureLine(failure)).toBe('tessera: error: division by zero\n');
  });

  it('refuses a file that is not a backup', async () => {
    const result = await runCli(['restore', '--in', new URL(import.meta.url).pathname], target.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tessera: error: /);
    const missing = await runCli(['restore', '--in', `${tmpdir()}/no-such-backup-${process.pid}.gz`], target.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tessera: error: cannot read .*\/no-such-backup-\d+\.gz: no such file\n$/);
  });

  it('refuses a file it cannot use before it opens the database: a restore, an import, a backup onto a file', async () => {
    // Nothing listens on port 9: a command that opened the database first would fail reaching it instead.
    const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/tessera', DB_CONNECTION_TIMEOUT: '1000' };
    const notBackup = new URL(import.meta.url).pathname;
    const missing = `${tmpdir()}/no-such-file-${process.pid}.jsonl`;
    const answers = await Promise.all([
      runCli(['restore', '--in', notBackup], unreachable),
      runCli(['import', '--file', missing], unreachable),
      runCli(['backup', '--out', notBackup], unreachable),
    ]);
    expect(answers.map(({ code, stderr }) => [code, stderr])).toEqual([
      [1, 'tessera: error: not a Tessera backup file\n'],
      [1, `tessera: error: cannot read ${missing}: no such file\n`],
      [1, `tessera: error: ${notBackup} exists: name another file, or pass --force to overwrite it\n`],
    ]);
  });

  it('prints help for every command, marking the options it cannot run without, and the version', async () => {
    const helps = new Map<string, string>();
    for (const command of [[], ['migrate'], ['seed'], ['backup'], ['restore'], ['create-admin'], ['audit'], ['doctor']]) {
      const result = await runCli([...command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: tessera');
      helps.set(command.join(' '), result.stdout);
    }
    expect(helps.get('backup')).toMatch(/--out <file> +where to write it \(required\)\n +--force +overwrite the file if it exists\n/);
    expect(helps.get('create-admin')).toMatch(/--email <email> +their email \(required\)\n/);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect(await runCli([flag])).toMatchObject({ code: 0, stdout: `${version}\n` });
    // Ten CLI processes, each loading every module (the OpenID provider among them): more than 30 s on a loaded box.
  }, 120_000);

  it('stops a backup interrupted mid-way (SIGINT): its partial file removed, one line saying so, exit 130', async () => {
    const file = `${tmpdir()}/tessera-interrupted-${process.pid}.jsonl.gz`;
    // Enough rows that the backup is still reading them when the signal comes.
    await withDatabase(target.env, (database) =>
      database.primary.execute(
        sql`INSERT INTO audit_logs (action, entity, payload)
            SELECT 'test.filler', 'test', jsonb_build_object('filler', repeat('x', 200)) FROM generate_series(1, 40000)`,
      ),
    );
    try {
      const backup = startCli(['backup', '--out', file], target.env);
      // The partial file is opened once the backup starts reading.
      await vi.waitFor(() => expect(existsSync(`${file}.partial`)).toBe(true), { timeout: 30_000, interval: 20 });
      backup.child.kill('SIGINT');
      const result = await backup.result;
      expect(result.stderr.split('\n').filter((line) => line.startsWith('tessera:'))).toEqual([
        `tessera: backup interrupted: nothing was written to ${file}`,
      ]);
      expect(result.code).toBe(130);
      expect([existsSync(file), existsSync(`${file}.partial`)]).toEqual([false, false]);
    } finally {
      for (const path of [file, `${file}.partial`]) rmSync(path, { force: true });
      await withDatabase(target.env, (database) => database.primary.execute(sql`DELETE FROM audit_logs WHERE action = 'test.filler'`));
    }
  }, 60_000);
});

describe('CLI failures are one clear line', () => {
  it('names the bad setting', async () => {
    const result = await runCli(['migrate', 'status'], { PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('tessera: error: Invalid configuration: PORT must be an integer from 0 to 65535, got "eighty"\n');
  });

  it('says when the database cannot be reached, and doctor says nothing else', async () => {
    const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DB_CONNECTION_TIMEOUT: '2000' };
    const results = await Promise.all([runCli(['migrate', 'status'], unreachable), runCli(['doctor'], unreachable)]);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('tessera: error: cannot reach the database at 127.0.0.1:1\n');
    }
  });

  it('refuses to start the server on bad config', async () => {
    const result = await runCli(['serve'], { DATABASE_URL: 'mysql://localhost/x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('tessera: error: Invalid configuration: DATABASE_URL must use postgres: or postgresql:, got "mysql:"\n');
  });
});
