import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importUsers } from '../src/cli/import.js';
import { Interrupted } from '../src/cli/interruption.js';
import { queryRows } from '../src/db/client.js';
import { userTypes } from '../src/db/schema/index.js';
import { systemCaller } from '../src/platform/caller.js';
import { createHarness, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { hashFormats } from './helpers/foreign-hashes.js';
import { type SmtpReceiver, startSmtpReceiver } from './helpers/smtp.js';

const formats = Object.keys(hashFormats);
const passwordOf = (n: number) => `migrated passphrase number ${n}`;
const jsonl = (records: object[]) => `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;

/** A learner as another system would export it: every model the import takes, and a password hash. */
async function learner(n: number, organization: string) {
  return {
    email: `Learner${n}@Example.com`,
    username: `learner${n}`,
    firstName: 'Learner',
    lastName: `Number ${n}`,
    phone: `+1415555${String(1000 + n).padStart(4, '0')}`,
    status: n % 10 === 9 ? 'SUSPENDED' : 'ACTIVE',
    createdAt: new Date(Date.UTC(2021, 0, 1 + n)).toISOString(),
    organization,
    userType: 'STUDENT',
    roles: n % 5 === 0 ? ['INSTRUCTOR'] : ['LEARNER'],
    passwordHash: await (hashFormats[formats[n % formats.length] as string] as (secret: string) => Promise<string>)(passwordOf(n)),
    profile: {
      timezone: 'Europe/Paris',
      language: 'fr-FR',
      bio: `Bio ${n}`,
      linkedinUrl: `https://www.linkedin.com/in/learner${n}`,
      phoneNumber: '+33142685300',
    },
    preferences: { visualScore: 0.8, preferredContentTypes: ['video', 'text'], difficultyPreference: 'ADVANCED', dailyStudyGoal: 30 },
    skills: [
      { skillName: 'TypeScript', skillCategory: 'Programming', proficiencyLevel: 'ADVANCED' },
      {
        skillName: 'SQL',
        skillCategory: 'Data',
        proficiencyLevel: 'INTERMEDIATE',
        evidenceType: 'certificate',
        evidenceUrl: 'https://example.com/c',
      },
    ],
    goals: [
      {
        title: 'Finish the course',
        goalType: 'COURSE_COMPLETION',
        startDate: '2021-02-01',
        targetDate: '2021-06-01',
        targetValue: 1,
        unit: 'courses',
      },
    ],
  };
}

describe('import from other systems', () => {
  let h: Harness;
  let smtp: SmtpReceiver;
  let dir: string;
  let fixture: string;
  let root: Awaited<ReturnType<typeof loginAs>>;
  let orgA: string;
  const organizationSlug = 'acme-learning';

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      preset: 'learning',
      config: { SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
    });
    root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
    const org = await h.app.inject({ method: 'POST', url: '/organizations', headers: root.headers, payload: { name: 'Acme Learning' } });
    orgA = org.json().organization.id;
    await h.context.database.primary.insert(userTypes).values({ name: 'STUDENT' });
    dir = mkdtempSync(join(tmpdir(), 'tessera-import-test-'));
    fixture = join(dir, 'learners.jsonl');
    writeFileSync(fixture, jsonl(await Promise.all(Array.from({ length: 50 }, (_, n) => learner(n, organizationSlug)))));
  }, 120_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
    await smtp.close();
  });

  const db = () => h.context.database.primary;
  const importFile = (file: string, options = {}) => h.app.modules.importer.importFile(systemCaller('test'), file, options);
  const count = async (where = sql`email LIKE 'learner%'`) =>
    (await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM users WHERE ${where}`))[0]?.n;
  const login = (email: string, password: string) => h.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });

  it('says an import interrupted before its first batch wrote nothing of the file, not that the file holds no users', async () => {
    const file = join(dir, 'stopped-at-once.jsonl');
    writeFileSync(file, jsonl(Array.from({ length: 3 }, (_, n) => ({ email: `at-once${n}@example.com` }))));
    // The operator's Ctrl-C lands as the check ends, before the first batch is written.
    const stop = new AbortController();
    const said: string[] = [];
    const io = {
      out: (line: string) => said.push(line),
      err: (text: string) => said.push(text),
      progress: () => ({
        start: (label: string) => label === 'importing' && stop.abort(new Interrupted('SIGINT')),
        advance: () => undefined,
        stop: () => undefined,
      }),
    };
    const runtime = {
      database: h.context.database,
      config: h.context.config,
      withModules: <T>(fn: (modules: typeof h.app.modules) => Promise<T>) => fn(h.app.modules),
      io,
      stop: stop.signal,
    };
    expect(await importUsers({ file }, runtime)).toBe(130);
    expect(said).toEqual([
      'imported: created 0, updated 0, skipped 0, failed 0, invited 0',
      "tessera: import interrupted after created 0, updated 0, skipped 0, failed 0: the file's last 3 users were not imported; run the same command again to import them\n",
    ]);
    expect(await count(sql`email LIKE 'at-once%'`)).toBe(0);
  });

  it('imports 50 users with every hash format; each signs in with its old password, which is then argon2id', async () => {
    const summary = await importFile(fixture);
    expect(summary).toMatchObject({ created: 50, updated: 0, skipped: 0, failed: 0, rejected: false, errors: [] });

    const [row] = await queryRows<Record<string, unknown>>(
      db(),
      sql`SELECT u.username, u.status, u.created_at, u.organization_id, u.email_verified_at IS NOT NULL AS verified, p.timezone, p.language, p.linkedin_url,
                 lp.visual_score, lp.difficulty_preference, (SELECT count(*)::int FROM user_skills s WHERE s.user_id = u.id) AS skills,
                 (SELECT count(*)::int FROM user_goals g WHERE g.user_id = u.id) AS goals,
                 (SELECT array_agg(r.name) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id) AS roles,
                 (SELECT name FROM user_types t WHERE t.id = u.user_type_id) AS user_type
          FROM users u JOIN profiles p ON p.user_id = u.id JOIN learning_preferences lp ON lp.user_id = u.id WHERE u.email = 'learner5@example.com'`,
    );
    expect(row).toMatchObject({
      username: 'learner5',
      status: 'ACTIVE',
      organization_id: orgA,
      verified: true,
      timezone: 'Europe/Paris',
      language: 'fr-FR',
      visual_score: 0.8,
      difficulty_preference: 'ADVANCED',
      skills: 2,
      goals: 1,
      roles: ['INSTRUCTOR'],
      user_type: 'STUDENT',
    });
    expect(new Date(row?.created_at as string).toISOString()).toBe('2021-01-06T00:00:00.000Z');

    for (let n = 0; n < 50; n++) {
      const email = `learner${n}@example.com`;
      const res = await login(email, passwordOf(n));
      if (n % 10 === 9) {
        expect(res.statusCode, `${email} is suspended`).toBe(401);
        continue;
      }
      expect(res.statusCode, `${formats[n % formats.length]} (${email})`).toBe(200);
      const [stored] = await queryRows<{ password_hash: string }>(db(), sql`SELECT password_hash FROM users WHERE email = ${email}`);
      expect(stored?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect((await login(email, passwordOf(n))).statusCode).toBe(200);
    }
    expect((await login('learner1@example.com', 'not the old password')).statusCode).toBe(401);
    const [audit] = await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'users.imported'`);
    expect(audit?.n).toBe(1);
  }, 180_000);

  it('changes nothing when the same file comes again; --update overwrites', async () => {
    const before = await queryRows(
      db(),
      sql`SELECT id, first_name, updated_at, password_hash FROM users WHERE email LIKE 'learner%' ORDER BY email`,
    );
    const again = await importFile(fixture);
    expect(again).toMatchObject({ created: 0, updated: 0, skipped: 50, failed: 0 });
    expect(
      await queryRows(db(), sql`SELECT id, first_name, updated_at, password_hash FROM users WHERE email LIKE 'learner%' ORDER BY email`),
    ).toEqual(before);

    const changed = join(dir, 'changed.jsonl');
    writeFileSync(
      changed,
      jsonl([{ ...(await learner(1, organizationSlug)), firstName: 'Renamed', passwordHash: 'bcrypt-ish nonsense', skills: [] }]),
    );
    expect(await importFile(changed, { update: true })).toMatchObject({ created: 0, updated: 1 });
    const [renamed] = await queryRows<{ first_name: string }>(db(), sql`SELECT first_name FROM users WHERE email = 'learner1@example.com'`);
    expect(renamed?.first_name).toBe('Renamed');
    // The password the user has since (the rehash at sign-in) is theirs: an import never replaces it.
    const signedIn = await login('learner1@example.com', passwordOf(1));
    expect(signedIn.statusCode).toBe(200);

    // A user the file suspends loses their sessions at once, as through the API.
    writeFileSync(changed, jsonl([{ ...(await learner(1, organizationSlug)), status: 'SUSPENDED' }]));
    expect(await importFile(changed, { update: true })).toMatchObject({ updated: 1 });
    const headers = { authorization: `Bearer ${signedIn.json().accessToken}` };
    expect((await h.app.inject({ method: 'GET', url: '/auth/me', headers })).statusCode).toBe(401);
  });

  it('takes whether a phone was proven in the system it comes from (not, unless it says so)', async () => {
    const file = join(dir, 'phones.jsonl');
    writeFileSync(
      file,
      jsonl([
        { email: 'proven.phone@example.com', phone: '+14155550191', phoneVerified: true },
        { email: 'unproven.phone@example.com', phone: '+14155550192' },
      ]),
    );
    expect(await importFile(file)).toMatchObject({ created: 2, failed: 0 });
    const rows = await queryRows<{ email: string; proven: boolean }>(
      db(),
      sql`SELECT email, phone_verified_at IS NOT NULL AS proven FROM users WHERE email LIKE '%.phone@example.com' ORDER BY email`,
    );
    expect(rows).toEqual([
      { email: 'proven.phone@example.com', proven: true },
      { email: 'unproven.phone@example.com', proven: false },
    ]);
    writeFileSync(file, jsonl([{ email: 'no.number@example.com', phoneVerified: true }]));
    const refused = await importFile(file);
    expect(refused).toMatchObject({ created: 0, failed: 1 });
    expect(refused.errors).toEqual([{ line: 1, field: 'phoneVerified', message: 'needs a phone number' }]);
  });

  it('reports every bad line by number and field, and writes none of the file', async () => {
    const bad = join(dir, 'bad.jsonl');
    const good = { email: 'fine@example.com', firstName: 'Fine' };
    writeFileSync(
      bad,
      [
        JSON.stringify(good),
        JSON.stringify({ email: 'not-an-email' }),
        JSON.stringify({ email: 'phone@example.com', phone: '+1 415 555' }),
        JSON.stringify({ email: 'url@example.com', profile: { linkedinUrl: 'javascript:alert(1)' } }),
        JSON.stringify({ email: 'tz@example.com', profile: { timezone: 'Mars/Olympus', language: 'english please' } }),
        '{ broken json',
        JSON.stringify({ email: 'org@example.com', organization: 'no-such-org', roles: ['NO_SUCH_ROLE'] }),
        JSON.stringify({ email: 'Fine@Example.com' }),
        JSON.stringify({ email: 'taken@example.com', username: 'learner2' }),
        JSON.stringify({ email: 'extra@example.com', favouriteColour: 'blue' }),
      ].join('\n'),
    );
    const summary = await importFile(bad);
    expect(summary).toMatchObject({ rejected: true, created: 0, failed: 9 });
    const fields = summary.errors.map((error) => `${error.line} ${error.field}`);
    expect(fields).toEqual([
      '2 email',
      '3 phone',
      '4 profile/linkedinUrl',
      '5 profile/timezone',
      '5 profile/language',
      '6 (line)',
      '7 organization',
      '7 roles',
      '8 email',
      '9 username',
      '10 favouriteColour',
    ]);
    expect(summary.errors.find((error) => error.line === 8)?.message).toBe('repeats line 1');
    expect(await count(sql`email = 'fine@example.com'`)).toBe(0);

    // With skipInvalid the good line goes in and the bad ones are listed.
    const skipping = await importFile(bad, { skipInvalid: true });
    expect(skipping).toMatchObject({ rejected: false, created: 1, failed: 9 });
    expect(await count(sql`email = 'fine@example.com'`)).toBe(1);
  });

  it('refuses a line that is not UTF-8 by its number, and reads the characters of the others as written', async () => {
    const mixed = join(dir, 'encoding.jsonl');
    writeFileSync(
      mixed,
      Buffer.concat([
        Buffer.from(`\uFEFF${JSON.stringify({ email: 'zoe@example.com', firstName: 'Zoë', lastName: '日本' })}\r\n`),
        Buffer.from('{"email":"latin1@example.com","firstName":"Ren'),
        Buffer.from([0xe9]), // é in Latin-1: no UTF-8 character
        Buffer.from('e"}\n'),
      ]),
    );
    const refused = await importFile(mixed);
    expect(refused).toMatchObject({ rejected: true, created: 0, failed: 1 });
    expect(refused.errors).toEqual([expect.objectContaining({ line: 2, field: '(line)', message: 'is not valid UTF-8' })]);

    expect(await importFile(mixed, { skipInvalid: true })).toMatchObject({ rejected: false, created: 1, failed: 1 });
    const [zoe] = await queryRows(db(), sql`SELECT first_name, last_name FROM users WHERE email = 'zoe@example.com'`);
    expect(zoe).toEqual({ first_name: 'Zoë', last_name: '日本' });
    expect(await count(sql`first_name LIKE '%\uFFFD%'`)).toBe(0);
  });

  it('names the field of a line another account took after the check, never the statement that failed', async () => {
    // Another account takes the racer's username between the check and the write, as a trigger says it did.
    await db().execute(
      sql.raw(`CREATE FUNCTION import_race() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.email = 'racer@example.com' THEN
          RAISE unique_violation USING MESSAGE = 'taken since the check', CONSTRAINT = 'users_username_unique';
        END IF;
        IF NEW.email = 'broken@example.com' THEN RAISE check_violation USING MESSAGE = 'a rule of the data'; END IF;
        RETURN NEW; END $$`),
    );
    await db().execute(sql.raw('CREATE TRIGGER import_race BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION import_race()'));
    try {
      const file = join(dir, 'race.jsonl');
      const secretHash = await (hashFormats.bcrypt2b as (secret: string) => Promise<string>)('a secret of the racer');
      writeFileSync(
        file,
        jsonl([
          { email: 'calm@example.com', username: 'calm' },
          { email: 'racer@example.com', username: 'racer', passwordHash: secretHash },
          { email: 'broken@example.com' },
        ]),
      );
      const summary = await importFile(file);
      expect(summary).toMatchObject({ created: 1, failed: 2 });
      expect(summary.errors).toEqual([
        { line: 2, field: 'username', message: 'is taken by another account' },
        { line: 3, field: '(line)', message: 'conflicts with data written since the check' },
      ]);
      expect(JSON.stringify(summary)).not.toContain(secretHash);
      expect(await count(sql`email IN ('calm@example.com', 'racer@example.com', 'broken@example.com')`)).toBe(1);
    } finally {
      await db().execute(sql.raw('DROP TRIGGER import_race ON users'));
      await db().execute(sql.raw('DROP FUNCTION import_race()'));
    }
  });

  it('names every problem of a line at once: its rules, its names and its schema', async () => {
    const file = join(dir, 'many-problems.jsonl');
    const lateGoal = { title: 'Late', goalType: 'COURSE_COMPLETION', startDate: '2024-06-01', targetDate: '2024-01-01' };
    writeFileSync(
      file,
      jsonl([
        { email: 'three@example.com', userType: 'ASTRONAUT', roles: ['LEARNER', 'NO_SUCH_ROLE'], goals: [lateGoal] },
        { email: 'not-an-email', organization: 'no-such-org' },
      ]),
    );
    const summary = await importFile(file);
    expect(summary).toMatchObject({ rejected: true, failed: 2 });
    expect(summary.errors).toEqual([
      { line: 1, field: 'goals/0/targetDate', message: 'must not be before startDate' },
      { line: 1, field: 'userType', message: 'no user type is named "ASTRONAUT"' },
      { line: 1, field: 'roles', message: 'unknown role: NO_SUCH_ROLE' },
      { line: 2, field: 'email', message: 'must match format "email"' },
      { line: 2, field: 'organization', message: 'no organization has the slug "no-such-org"' },
    ]);
  });

  it('validates only with dryRun, and invites users whose hash is unknown with invite', async () => {
    const file = join(dir, 'invite.csv');
    writeFileSync(
      file,
      [
        'email,firstName,lastName,organization,roles,passwordHash,profile.timezone,preferences.visualScore,preferences.highContrast,skills',
        `md5@example.com,Md,Five,${organizationSlug},LEARNER|INSTRUCTOR,5f4dcc3b5aa765d61d8327deb882cf99,Asia/Tokyo,0.25,true,"[{""skillName"":""Go"",""skillCategory"":""Programming"",""proficiencyLevel"":""NOVICE""}]"`,
        `quoted@example.com,"Multi, ""Quoted""","Two\r\nLines",,,,,,,`,
      ].join('\r\n'),
    );
    const dry = await importFile(file, { dryRun: true, invite: true });
    expect(dry).toMatchObject({ dryRun: true, created: 2, failed: 0 });
    expect(await count(sql`email = 'md5@example.com'`)).toBe(0);

    const done = await importFile(file, { invite: true });
    expect(done).toMatchObject({ created: 2, invited: 2 });
    const [row] = await queryRows<Record<string, unknown>>(
      db(),
      sql`SELECT u.password_hash, p.timezone, lp.visual_score, lp.high_contrast, (SELECT count(*)::int FROM user_roles ur WHERE ur.user_id = u.id) AS roles
          FROM users u JOIN profiles p ON p.user_id = u.id JOIN learning_preferences lp ON lp.user_id = u.id WHERE u.email = 'md5@example.com'`,
    );
    expect(row).toEqual({ password_hash: null, timezone: 'Asia/Tokyo', visual_score: 0.25, high_contrast: true, roles: 2 });
    const mail = await smtp.waitFor('md5@example.com', /account is ready/);
    expect(mail.link).toMatch(/\/accept-invitation\?token=/);
    const [quoted] = await queryRows<{ first_name: string; last_name: string }>(
      db(),
      sql`SELECT first_name, last_name FROM users WHERE email = 'quoted@example.com'`,
    );
    expect(quoted).toEqual({ first_name: 'Multi, "Quoted"', last_name: 'Two\nLines' });
  });

  it('imports over HTTP for an administrator, inside their organization and grants', async () => {
    const orgAdmin = await loginAs(h, { roles: ['ORG_ADMIN'], organizationId: orgA });
    const other = (
      await h.app.inject({ method: 'POST', url: '/organizations', headers: root.headers, payload: { name: 'Other Org' } })
    ).json().organization.slug as string;
    const post = (body: string, query = '', type = 'application/x-ndjson') =>
      h.app.inject({ method: 'POST', url: `/users/import${query}`, headers: { ...orgAdmin.headers, 'content-type': type }, payload: body });

    const refused = await post(
      jsonl([
        { email: 'mine@example.com' },
        { email: 'elsewhere@example.com', organization: other },
        { email: 'boss@example.com', roles: ['SUPER_ADMIN'] },
      ]),
    );
    expect([refused.statusCode, refused.json().code]).toEqual([400, 'IMPORT_REJECTED']);
    expect(refused.json().errors.map((error: { path: string }) => error.path)).toEqual(['line 2: organization', 'line 3: roles']);

    const accepted = await post(jsonl([{ email: 'mine@example.com', roles: ['INSTRUCTOR'] }]));
    expect(accepted.json()).toMatchObject({ created: 1 });
    const [mine] = await queryRows<{ organization_id: string }>(
      db(),
      sql`SELECT organization_id FROM users WHERE email = 'mine@example.com'`,
    );
    expect(mine?.organization_id).toBe(orgA);

    const placeholders = await post(
      jsonl([
        { email: 'placeholder@example.com', passwordHash: 'pbkdf2_sha256$…$hash…' },
        { email: 'short@example.com', passwordHash: '$2b$10$tooshort' },
        { email: 'unknown@example.com', passwordHash: '5f4dcc3b5aa765d61d8327deb882cf99' },
      ]),
    );
    expect([placeholders.statusCode, placeholders.json().code]).toEqual([400, 'IMPORT_REJECTED']);
    expect(placeholders.json().errors).toEqual([
      { path: 'line 1: passwordHash', message: expect.stringMatching(/^not a valid pbkdf2 hash: expected pbkdf2_<digest>/) },
      { path: 'line 2: passwordHash', message: expect.stringMatching(/^not a valid bcrypt hash: expected \$2b\$<cost>/) },
    ]);
    expect(placeholders.body).not.toContain('tooshort');
    expect((await post('email\nfrom-csv@example.com\n', '?dryRun=true', 'text/csv')).json()).toMatchObject({ dryRun: true, created: 1 });
    expect((await post('{}', '', 'application/xml')).statusCode).toBe(415);
    const latin1 = await post('email\nlatin1@example.com\n', '', 'text/csv; charset=iso-8859-1');
    expect([latin1.statusCode, latin1.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect((await post('email\nutf8@example.com\n', '?dryRun=true', 'text/csv; charset=utf-8')).json()).toMatchObject({ created: 1 });
    const learnerSession = await loginAs(h, { roles: ['LEARNER'], organizationId: orgA });
    const forbidden = await h.app.inject({
      method: 'POST',
      url: '/users/import',
      headers: { ...learnerSession.headers, 'content-type': 'application/x-ndjson' },
      payload: '{"email":"x@example.com"}\n',
    });
    expect(forbidden.statusCode).toBe(403);
  });
});
