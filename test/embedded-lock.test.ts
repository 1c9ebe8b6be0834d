import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readMigrations } from '../src/db/migrator.js';
import { FIRST_ADMIN_HINT } from '../src/modules/users/service.js';
import { runCli, startCli, withDatabase } from './helpers/cli.js';
import { copyPgliteTemplate, testDataRoot } from './helpers/databases.js';
import { exitOf, freePort, type Served, startServer, waitForHealth } from './helpers/serve.js';

const PASSWORD = 'a long admin passphrase';
const started: Served[] = [];
afterEach(() => {
  for (const { child } of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * A DATA_DIR of its own, a free port, and the env the server and the CLI share (embedded PGlite, no Redis).
 * `migrated`: the directory starts as a copy of the migrated template, for cases about what follows the first
 * start (test/serve.test.ts starts on an empty directory); the server then starts in seconds less.
 */
async function embeddedSetup({ migrated = false } = {}) {
  const dataDir = mkdtempSync(`${testDataRoot}embedded-`);
  if (migrated) copyPgliteTemplate(dataDir);
  const port = await freePort();
  const env = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'info' };
  return { dataDir, env, url: `http://127.0.0.1:${port}` };
}

async function serveOn(env: Record<string, string>, url: string): Promise<Served> {
  const served = startServer(env);
  started.push(served);
  await waitForHealth(url, served);
  return served;
}

const signIn = (url: string, email: string) =>
  fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });

const usersTotal = async (url: string) => Number(/^tessera_users_total (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);

/** Each table's rows in a backup file, as the JSON text of each row. */
function backupRows(file: string): Map<string, string[]> {
  const [, ...lines] = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
  const rows = new Map<string, string[]>();
  for (const line of lines) {
    const { t, r } = JSON.parse(line) as { t: string; r: unknown };
    rows.set(t, [...(rows.get(t) ?? []), JSON.stringify(r)]);
  }
  return rows;
}

const lockHolder = (dataDir: string) => JSON.parse(readFileSync(`${dataDir}/db.lock`, 'utf8')) as { pid: number; command: string };

describe('one process per embedded database directory', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every CLI command through the running server, refuses the unsafe ones and a second start, and keeps every row across a restart', async () => {
    const { dataDir, env, url } = await embeddedSetup({ migrated: true });
    dirs.push(dataDir);
    const server = await serveOn(env, url);
    const pid = server.child.pid as number;
    expect(lockHolder(dataDir)).toMatchObject({ pid, command: 'serve' });
    // Only the machine's user who runs Tessera reaches the control channel.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(`${dataDir}/control.sock`).mode & 0o777).toBe(0o600);

    const second = await runCli(['serve'], { ...env, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `tessera: error: DATA_DIR ${dataDir} is in use by \`tessera serve\` (pid ${pid}): an embedded database opens in one process at a time; stop that one first, or give this one another DATA_DIR\n`,
    );

    // Nobody can sign in yet: the start says how to make the first admin, and so does the console's page.
    expect(server.output()).toContain(FIRST_ADMIN_HINT);
    expect(await (await fetch(`${url}/setup`)).json()).toEqual({ firstAdminNeeded: true });
    const icon = await fetch(`${url}/favicon.ico`);
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);

    // Its port taken, a start on another directory says so before it migrates anything there.
    const elsewhere = mkdtempSync(`${testDataRoot}embedded-`);
    dirs.push(elsewhere);
    const portTaken = await runCli(['serve'], { ...env, DATA_DIR: elsewhere });
    expect([portTaken.code, portTaken.stderr]).toEqual([
      1,
      `tessera: error: port ${env.PORT} on 127.0.0.1 is in use by another process: stop it, or set PORT\n`,
    ]);
    expect((await runCli(['migrate', 'status'], { ...env, DATA_DIR: elsewhere })).stdout).not.toMatch(/^applied/m);

    const status = await runCli(['migrate', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^applied {2}0000_init {2}\d{4}-/m);
    expect(status.stdout).not.toMatch(/^pending/m);
    expect((await runCli(['migrate', 'up'], env)).stdout).toBe('nothing to apply: the database is up to date\n');

    const admin = await runCli(['create-admin', '--email', 'ops@example.com', '--password-stdin'], env, `${PASSWORD}\n`);
    expect([admin.code, admin.stderr]).toEqual([0, '']);
    expect(admin.stdout).toMatch(/^super-admin created: ops@example\.com \([0-9a-f-]{36}\)\n$/);
    // Created in the server's own database: the server signs the new admin in at once.
    expect((await signIn(url, 'ops@example.com')).status).toBe(200);
    expect(await (await fetch(`${url}/setup`)).json()).toEqual({ firstAdminNeeded: false });
    const again = await runCli(['create-admin', '--email', 'ops@example.com', '--password-stdin'], env, `${PASSWORD}\n`);
    expect([again.code, again.stderr]).toEqual([1, 'tessera: error: A user with the email ops@example.com already exists.\n']);

    expect(await runCli(['seed', '--preset', 'learning'], env)).toMatchObject({ code: 0, stdout: 'preset learning applied: 4 roles\n' });

    const people = `${dataDir}/people.jsonl`;
    writeFileSync(
      people,
      ['ada', 'grace']
        .map((name) => JSON.stringify({ email: `${name}@example.com`, name: `${name} Example`, roles: ['LEARNER'] }))
        .join('\n'),
    );
    const imported = await runCli(['import', '--file', people], env);
    expect([imported.code, imported.stdout]).toEqual([0, 'imported: created 2, updated 0, skipped 0, failed 0, invited 0\n']);
    expect(imported.stderr).toMatch(/importing: 2\/2/);
    const invalid = `${dataDir}/invalid.jsonl`;
    writeFileSync(invalid, JSON.stringify({ email: 'nope' }));
    const refusedImport = await runCli(['import', '--file', invalid], env);
    expect(refusedImport).toMatchObject({ code: 1, stdout: 'imported nothing: created 0, updated 0, skipped 0, failed 1, invited 0\n' });
    expect(refusedImport.stderr).toContain('line 1: email: must match format "email"');

    const rotated = await runCli(['keys', 'rotate'], env);
    expect(rotated.code).toBe(0);
    const kid = /^new signing key active: (\S+)\n$/.exec(rotated.stdout)?.[1];
    expect(kid).toBeDefined();

    const audit = await runCli(['audit', 'verify'], env);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/^audit chain intact: \d+ rows/);

    const file = `${dataDir}/before.jsonl.gz`;
    const backup = await runCli(['backup', '--out', file], env);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^backup written: .*before\.jsonl\.gz \(\d+ rows, \d+ tables\)/);
    expect(backup.stderr).toContain('users: 3/3 rows');
    const overwrite = await runCli(['backup', '--out', file], env);
    expect([overwrite.code, overwrite.stderr]).toEqual([
      1,
      `tessera: error: ${file} exists: name another file, or pass --force to overwrite it\n`,
    ]);
    expect((await runCli(['backup', '--out', file, '--force'], env)).code).toBe(0);
    const before = backupRows(file);
    expect(before.get('signing_keys')?.some((row) => row.includes(kid as string))).toBe(true);
    // No SIGNING_KEY_SECRET: the directory's own secret, made on first start, seals the keys, and the summary says so.
    const secretFile = `${dataDir}/signing-key-secret`;
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const keys = (before.get('signing_keys') ?? []).map((row) => JSON.parse(row) as { private_key: string });
    expect(keys.map((key) => key.private_key.slice(0, 7))).toEqual(keys.map(() => 'enc:v1:'));
    expect(backup.stdout).toContain(
      `\ncontains: ${keys.length} signing keys, sealed under ${secretFile}: keep a copy of it apart from this file, a restore elsewhere needs it\n`,
    );

    // Those that must not run under a live service are refused, naming who holds the directory.
    const held = `tessera: error: DATA_DIR ${dataDir} is held by \`tessera serve\` (pid ${pid})`;
    const restore = await runCli(['restore', '--in', file], env);
    expect([restore.code, restore.stderr]).toEqual([
      1,
      `${held}: \`tessera restore\` must not run next to it; stop it first, then run this again\n`,
    ]);
    const down = await runCli(['migrate', 'down'], env);
    expect([down.code, down.stderr]).toEqual([
      1,
      `${held}: \`tessera migrate down\` must not run next to it; stop it first, then run this again\n`,
    ]);

    server.child.kill('SIGTERM');
    expect(await exitOf(server.child)).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/"msg":"stopped"/);
    expect(existsSync(`${dataDir}/db.lock`)).toBe(false);
    expect(existsSync(`${dataDir}/control.sock`)).toBe(false);

    const restarted = await serveOn(env, url);
    // Counted as the server starts: the admin and the two imported users.
    expect(await usersTotal(url)).toBe(3);
    const after = `${dataDir}/after.jsonl.gz`;
    expect((await runCli(['backup', '--out', after], env)).code).toBe(0);
    // Every row written before the restart is there after it, unchanged; audit rows may have been sealed since.
    const afterRows = backupRows(after);
    const ids = (rows: string[] = []) => rows.map((row) => (JSON.parse(row) as { id: number }).id);
    for (const [table, rows] of before) {
      if (table === 'audit_logs') expect(ids(afterRows.get(table))).toEqual(expect.arrayContaining(ids(rows)));
      else expect([table, afterRows.get(table)]).toEqual([table, expect.arrayContaining(rows)]);
    }
    expect((await signIn(url, 'ops@example.com')).status).toBe(200);
    const verified = await runCli(['audit', 'verify'], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^audit chain intact: \d+ rows/);
    restarted.child.kill('SIGTERM');
    expect(await exitOf(restarted.child)).toEqual({ code: 0, signal: null });
  }, 300_000);

  it('takes over the lock of a server killed outright on the next start, with its data intact', async () => {
    const { dataDir, env, url } = await embeddedSetup({ migrated: true });
    dirs.push(dataDir);
    const server = await serveOn(env, url);
    const admin = await runCli(['create-admin', '--email', 'ops@example.com', '--password-stdin'], env, PASSWORD);
    expect(admin.code).toBe(0);

    server.child.kill('SIGKILL');
    expect(await exitOf(server.child)).toEqual({ code: null, signal: 'SIGKILL' });
    // Nothing ran on the way out: the lock and the socket stay, naming a dead process.
    expect(lockHolder(dataDir).pid).toBe(server.child.pid);
    expect(existsSync(`${dataDir}/control.sock`)).toBe(true);

    const restarted = await serveOn(env, url);
    expect(lockHolder(dataDir).pid).toBe(restarted.child.pid);
    expect((await signIn(url, 'ops@example.com')).status).toBe(200);
    const audit = await runCli(['audit', 'verify'], env);
    expect([audit.code, audit.stdout]).toEqual([0, expect.stringMatching(/^audit chain intact: \d+ rows/)]);
    restarted.child.kill('SIGTERM');
    expect(await exitOf(restarted.child)).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('stops a backup the server runs for an interrupted CLI: its partial file removed, the CLI saying so, the server serving on', async () => {
    const { dataDir, env, url } = await embeddedSetup({ migrated: true });
    dirs.push(dataDir);
    // Enough rows that the backup is still reading them when the signal comes.
    await withDatabase({ DATA_DIR: dataDir, DATABASE_URL: '' }, (database) =>
      // Organizations, not audit rows: a start seals the audit rows it finds, which would take it half a minute.
      database.primary.execute(
        sql`INSERT INTO organizations (id, name, slug, description)
            SELECT gen_random_uuid(), 'Filler ' || n, 'filler-' || n, repeat('x', 200) FROM generate_series(1, 40000) AS n`,
      ),
    );
    const server = await serveOn(env, url);
    const file = `${dataDir}/interrupted.jsonl.gz`;
    const backupUntilStarted = async () => {
      const backup = startCli(['backup', '--out', file], env);
      await vi.waitFor(() => expect(existsSync(`${file}.partial`)).toBe(true), { timeout: 30_000, interval: 20 });
      return backup;
    };

    // Ctrl-C: the server's backup stops, and the CLI says what the server said, with the signal's exit code.
    const interrupted = await backupUntilStarted();
    interrupted.child.kill('SIGINT');
    const result = await interrupted.result;
    expect(result.stderr.split('\n').filter((line) => line.startsWith('tessera:'))).toEqual([
      `tessera: backup interrupted: nothing was written to ${file}`,
    ]);
    expect(result.code).toBe(130);
    expect([existsSync(file), existsSync(`${file}.partial`)]).toEqual([false, false]);

    // A CLI killed outright leaves nobody to read the backup: the server stops it too.
    const killed = await backupUntilStarted();
    killed.child.kill('SIGKILL');
    await killed.result;
    await vi.waitFor(() => expect(existsSync(`${file}.partial`)).toBe(false), { timeout: 30_000, interval: 50 });
    expect(existsSync(file)).toBe(false);

    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    expect((await runCli(['audit', 'verify'], env)).code).toBe(0);
    server.child.kill('SIGTERM');
    expect(await exitOf(server.child)).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('says what is wrong with a directory that cannot be opened and how to restore it from the last backup', async () => {
    const { dataDir, env } = await embeddedSetup();
    dirs.push(dataDir);
    // A fresh directory first asks for its migrations, in one line rather than SQL.
    const unmigrated = await runCli(['create-admin', '--email', 'ops@example.com', '--password-stdin'], env, PASSWORD);
    expect([unmigrated.code, unmigrated.stderr]).toEqual([
      1,
      `tessera: error: the database is not set up for this version (${readMigrations().length} pending migrations): run \`tessera migrate up\` first\n`,
    ]);
    expect((await runCli(['migrate', 'up'], env)).code).toBe(0);
    expect((await runCli(['seed', '--preset', 'basic'], env)).code).toBe(0);
    const admin = await runCli(['create-admin', '--email', 'ops@example.com', '--password-stdin'], env, PASSWORD);
    expect(admin.code).toBe(0);
    const file = `${dataDir}/last.jsonl.gz`;
    expect((await runCli(['backup', '--out', file], env)).code).toBe(0);
    const healthy = await runCli(['doctor'], env);
    expect([healthy.code, healthy.stderr]).toEqual([0, '']);
    expect(healthy.stdout).toMatch(
      new RegExp(
        `^lock: free .*\ndatabase: opens \\(embedded PGlite in ${dataDir}\\)\nmigrations: all applied\nlast backup: ${file} \\(taken \\d{4}-`,
      ),
    );

    // What two processes on one directory used to leave behind: PGlite aborts reading it.
    writeFileSync(`${dataDir}/db/global/pg_control`, '');
    const advice = `the embedded database in ${dataDir}/db cannot be opened: PGlite aborted reading its files: they are damaged`;
    const restoreLine = `tessera restore --in ${file} (the last backup, taken `;
    for (const args of [['doctor'], ['serve'], ['audit', 'verify']]) {
      const result = await runCli(args, env);
      expect([args, result.code, result.stderr]).toEqual([args, 1, expect.stringContaining(advice)]);
      expect(result.stderr).toContain(restoreLine);
      expect(result.stderr).not.toContain('Aborted()');
    }
    // Following the advice brings the data back.
    renameSync(`${dataDir}/db`, `${dataDir}/db.damaged`);
    expect((await runCli(['restore', '--in', file], env)).code).toBe(0);
    expect((await runCli(['audit', 'verify'], env)).stdout).toMatch(/^audit chain intact/);
    const again = await runCli(['create-admin', '--email', 'ops@example.com', '--password-stdin'], env, PASSWORD);
    expect(again.stderr).toBe('tessera: error: A user with the email ops@example.com already exists.\n');
  }, 180_000);
});
