import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers/app.js';
import { createUser } from './helpers/auth.js';
import { avatarForm, createSchool, type School } from './helpers/learning.js';
import { startLoggedApp } from './helpers/logs.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

// Issue 26, the penetration test: one regression test per hole, named after it.

describe('security hardening: a school of two organizations', () => {
  let s: School;
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    s = await createSchool({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await s.close();
    await smtp.close();
  });

  it('hole 7: any change to a verified skill (name, category, level, evidence) clears its verification', async () => {
    const changes = [
      { skillName: 'Rust, renamed' },
      { skillCategory: 'Systems' },
      { proficiencyLevel: 'ADVANCED' },
      { evidenceType: 'forged' },
      { evidenceUrl: 'https://example.com/forged' },
    ];
    for (const [index, change] of changes.entries()) {
      const added = await s.as(s.learner).send('POST', '/users/me/skills', {
        skillName: `Rust ${index}`,
        skillCategory: 'Programming',
        proficiencyLevel: 'BEGINNER',
      });
      const skill = added.json().skill;
      const path = `/users/${s.learner.userId}/skills/${skill.id}`;
      const verified = await s
        .as(s.instructor)
        .send('POST', `${path}/verify`, { evidenceType: 'project', evidenceUrl: 'https://git.example.com/rust' });
      expect(verified.json().skill.verified).toBe(true);

      // The same values again change nothing, so the verification stands.
      const unchanged = await s.as(s.learner).send('PATCH', `/users/me/skills/${skill.id}`, { skillCategory: 'Programming' });
      expect(unchanged.json().skill.verified).toBe(true);

      const edited = await s.as(s.learner).send('PATCH', `/users/me/skills/${skill.id}`, change);
      expect(edited.statusCode).toBe(200);
      expect({ change, ...edited.json().skill }).toMatchObject({ change, verified: false, verifiedBy: null, verifiedAt: null });
    }
  });

  it('hole 14: an export holds the person’s own data, not the addresses of administrators who acted on them', async () => {
    const adminAddress = '198.51.100.77';
    const adminAgent = 'AdminConsole/9.9 (operator workstation)';
    const renamed = await s.h.app.inject({
      method: 'PATCH',
      url: `/users/${s.classmate.userId}`,
      headers: { ...s.root.headers, 'user-agent': adminAgent },
      remoteAddress: adminAddress,
      payload: { firstName: 'Renamed' },
    });
    expect(renamed.statusCode).toBe(200);
    await s.h.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: { ...s.classmate.headers, 'user-agent': 'Learner/1.0' },
      remoteAddress: '203.0.113.5',
      payload: { lastName: 'Own' },
    });

    for (const [who, url] of [
      [s.classmate, '/users/me/export'],
      [s.root, `/users/${s.classmate.userId}/export`],
    ] as const) {
      const res = await s.as(who).send('GET', url);
      expect(res.statusCode).toBe(200);
      const trail = res.json().auditTrail as { action: string; ipAddress: string | null }[];
      // The administrator's change is listed (it is about the person), without where it came from.
      expect(trail.some((entry) => entry.action === 'user.updated')).toBe(true);
      expect(res.body).not.toContain(adminAddress);
      expect(res.body).not.toContain(adminAgent);
      // What the person did themselves keeps their own address.
      expect(res.body).toContain('203.0.113.5');
    }
  });

  it('hole 15: every answer carrying a token or secret says Cache-Control: no-store and Pragma: no-cache', async () => {
    const { h } = s;
    const password = 'a hardening passphrase';
    const user = await createUser(h, { organizationId: s.orgA, roles: ['LEARNER'], password });
    const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
      h.app.inject({ method: 'POST', url, payload, headers });

    const signedIn = await post('/auth/login', { email: user.email, password });
    const { refreshToken, accessToken } = signedIn.json();
    const bearer = { authorization: `Bearer ${accessToken}` };
    const refreshed = await post('/auth/refresh-token', { refreshToken });
    const apiKey = await post('/auth/api-keys', { name: 'ci', scopes: [] }, bearer);
    const ownExport = await h.app.inject({ method: 'GET', url: '/users/me/export', headers: bearer });
    const adminExport = await h.app.inject({ method: 'GET', url: `/users/${user.id}/export`, headers: s.root.headers });
    const codeExchange = await post('/auth/oauth/token', { code: 'not-a-code', codeVerifier: 'v'.repeat(43) });

    const invited = await post(`/organizations/${s.orgA}/invitations`, { email: 'cache.invitee@example.com' }, s.root.headers);
    expect(invited.statusCode).toBe(201);
    const invitationToken = tokenOf((await smtp.waitFor('cache.invitee@example.com', /invited you/)).link);
    const lookup = await h.app.inject({ method: 'GET', url: `/invitations/lookup?token=${encodeURIComponent(invitationToken)}` });
    const accepted = await post('/invitations/accept', { token: invitationToken, password: 'an accepted passphrase' });

    const temporary = 'a temporary passphrase';
    const setTemporary = await h.app.inject({
      method: 'PUT',
      url: `/users/${user.id}/password`,
      headers: s.root.headers,
      payload: { password: temporary, temporary: true },
    });
    const changeTokenAnswer = await post('/auth/login', { email: user.email, password: temporary });
    const changed = await post('/auth/change-password', {
      changeToken: changeTokenAnswer.json().changeToken,
      newPassword: 'my very own passphrase',
    });

    const answers = {
      signedIn,
      refreshed,
      apiKey,
      ownExport,
      adminExport,
      codeExchange,
      lookup,
      accepted,
      setTemporary,
      changeTokenAnswer,
      changed,
    };
    const statuses = Object.fromEntries(Object.entries(answers).map(([name, res]) => [name, res.statusCode]));
    expect(statuses).toEqual({
      signedIn: 200,
      refreshed: 200,
      apiKey: 201,
      ownExport: 200,
      adminExport: 200,
      codeExchange: 400,
      lookup: 200,
      accepted: 200,
      setTemporary: 204,
      changeTokenAnswer: 200,
      changed: 200,
    });
    for (const [name, res] of Object.entries(answers)) {
      expect({ name, cacheControl: res.headers['cache-control'], pragma: res.headers.pragma }).toEqual({
        name,
        cacheControl: 'no-store',
        pragma: 'no-cache',
      });
    }
    // What is public keeps the caching its route chose.
    const jwks = await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect([jwks.headers['cache-control'], jwks.headers.pragma]).toEqual(['public, max-age=300', undefined]);
  });

  it('hole 16: a PNG with a valid header and truncated pixel data answers 415 problem+json', async () => {
    const whole = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 9, g: 99, b: 199 } } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const truncated = whole.subarray(0, Math.floor(whole.length / 2));
    expect((await sharp(truncated).metadata()).format).toBe('png');
    const form = avatarForm(truncated);
    const res = await s.h.app.inject({
      method: 'POST',
      url: '/users/upload-avatar',
      payload: form.payload,
      headers: { ...s.learner.headers, ...form.headers },
    });
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('UNSUPPORTED_IMAGE');
  });
});

describe('security hardening: logs, sign-in and sign-up', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(() => h.close());

  it('hole 10: secret-bearing query parameters never reach the request log', async () => {
    const logged = await startLoggedApp(h);
    try {
      const secrets = ['live-invitation-token-4711', 'provider-code-0815', 'opaque-state-2342', 'refresh-9999', 'key-1234', 'pw-5678'];
      await logged.app.inject({ method: 'GET', url: `/invitations/lookup?token=${secrets[0]}&lang=fr` });
      await logged.app.inject({ method: 'GET', url: `/auth/oauth/google/callback?code=${secrets[1]}&state=${secrets[2]}` });
      await logged.app.inject({ method: 'GET', url: `/no-such-route?token=${secrets[0]}` });
      await logged.app.inject({
        method: 'GET',
        url: `/health/live?refreshToken=${secrets[3]}&api_key=${secrets[4]}&Password=${secrets[5]}`,
      });
      const requests = logged.lines.filter((line) => line.includes('"req":'));
      expect(requests.length).toBeGreaterThanOrEqual(3);
      for (const secret of secrets) expect(logged.lines.join('\n')).not.toContain(secret);
      // The rest of the URL still says what was asked.
      const urls = requests.map((line) => JSON.parse(line).req.url as string);
      expect(urls).toContain('/invitations/lookup?token=[redacted]&lang=fr');
      expect(urls).toContain('/auth/oauth/google/callback?code=[redacted]&state=[redacted]');
    } finally {
      await logged.close();
    }
  });

  it('a write that fails logs its statement and cause, never the values it was given (hashes, tokens, secrets)', async () => {
    const user = await createUser(h);
    const { accessToken } = (
      await h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: user.email, password: user.password } })
    ).json();
    const secret = 'a-secret-bio-value-8086';
    // A write PostgreSQL refuses on Tessera's side: its statement carries the value.
    await h.context.database.primary.execute(
      sql.raw(`ALTER TABLE profiles ADD CONSTRAINT refuses_the_value CHECK (bio IS DISTINCT FROM '${secret}')`),
    );
    const logged = await startLoggedApp(h);
    try {
      const res = await logged.app.inject({
        method: 'PUT',
        url: '/users/profile',
        headers: { authorization: `Bearer ${accessToken}` },
        payload: { profile: { bio: secret } },
      });
      expect(res.statusCode).toBe(500);
    } finally {
      await logged.close();
      await h.context.database.primary.execute(sql`ALTER TABLE profiles DROP CONSTRAINT refuses_the_value`);
    }
    const failed = logged.lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'request failed');
    expect(failed?.err).toMatchObject({
      type: 'DrizzleQueryError',
      query: expect.stringMatching(/^insert into "profiles"/),
      message: expect.stringContaining('violates check constraint "refuses_the_value"'),
    });
    expect(failed.err.params).toBeUndefined();
    expect(failed.err.message).not.toContain('params:');
    expect(failed.err.stack).toContain('caused by:');
    expect(logged.lines.join('\n')).not.toContain(secret);
  });

  const signIn = (email: string, password: string, from: string, agent = 'Guesser/1.0') =>
    h.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password },
      remoteAddress: from,
      headers: { 'user-agent': agent },
    });

  it('hole 9: guesses from one source hold up that source only, and refused attempts do not lengthen the hold', async () => {
    const user = await createUser(h);
    const attacker = '203.0.113.66';
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
    const statuses: number[] = [];
    for (let guess = 0; guess < 5; guess++) statuses.push((await signIn(user.email, `wrong guess ${guess}`, attacker)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // Five free failures, then a wait of a second; the right password from the held source waits too.
    const held = await signIn(user.email, user.password, attacker);
    expect([held.statusCode, held.headers['retry-after']]).toEqual([429, '1']);
    // After each wait one more guess, and the wait doubles: 1 s, 2 s, then 4 s.
    await sleep(1100);
    expect((await signIn(user.email, 'sixth guess', attacker)).statusCode).toBe(401);
    await sleep(2100);
    expect((await signIn(user.email, 'seventh guess', attacker)).statusCode).toBe(401);
    const heldFrom = Date.now();

    // Hammering the held source does not lengthen its wait ...
    for (let guess = 0; guess < 20; guess++) {
      const refused = await signIn(user.email, `hammer ${guess}`, attacker);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(4);
    }
    // ... the owner, from a source that did not fail, signs in at once ...
    expect((await signIn(user.email, user.password, '198.51.100.20', 'Owner/1.0')).statusCode).toBe(200);
    // ... and the hold ends four seconds after the last counted guess, whatever was refused meanwhile.
    await sleep(heldFrom + 4100 - Date.now());
    expect((await signIn(user.email, user.password, attacker)).statusCode).toBe(200);
  });

  it('hole 9: guessing spread over many sources holds the account for new devices, not for a device that signed in before', async () => {
    const user = await createUser(h);
    const phone = { from: '192.0.2.10', agent: 'OwnerPhone/2.0' };
    expect((await signIn(user.email, user.password, phone.from, phone.agent)).statusCode).toBe(200);

    // Fifty guesses, each from its own address: no source reaches its own limit ...
    for (let guess = 0; guess < 50; guess++) {
      expect((await signIn(user.email, `distributed guess ${guess}`, `10.9.0.${guess + 1}`)).statusCode).toBe(401);
    }
    // ... but the account-wide cap now holds every new device, the right password included ...
    const fresh = await signIn(user.email, user.password, '10.9.1.1');
    expect(fresh.statusCode).toBe(429);
    expect(fresh.json().code).toBe('RATE_LIMITED');
    expect((await signIn(user.email, user.password, phone.from, 'Another agent/1.0')).statusCode).toBe(429);
    // ... while the device that signed in before still gets in.
    expect((await signIn(user.email, user.password, phone.from, phone.agent)).statusCode).toBe(200);
  });

  it('hole 9: a device known from an IPv6 address is known across its /64, where its address changes, not beyond', async () => {
    const user = await createUser(h);
    const laptop = { agent: 'OwnerLaptop/3.0', network: '2001:db8:77:1' };
    expect((await signIn(user.email, user.password, `${laptop.network}::a1`, laptop.agent)).statusCode).toBe(200);
    for (let guess = 0; guess < 50; guess++) {
      expect((await signIn(user.email, `distributed guess ${guess}`, `10.9.2.${guess + 1}`)).statusCode).toBe(401);
    }
    // The same user agent from another network is a new device, held ...
    expect((await signIn(user.email, user.password, '2001:db8:77:2::a1', laptop.agent)).statusCode).toBe(429);
    // ... while a privacy address of the same /64, the next day, is the same device.
    expect((await signIn(user.email, user.password, `${laptop.network}:5c3e:9a1:f00d:2`, laptop.agent)).statusCode).toBe(200);
  });

  /** Makes every insert into `table` take a second longer (a trigger on this test's own database) until `stop`. */
  async function slowInsertsInto(table: string) {
    const db = h.context.database.primary;
    await db.execute(
      sql.raw(
        `CREATE OR REPLACE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$`,
      ),
    );
    await db.execute(sql.raw(`CREATE TRIGGER slow_insert BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION slow_insert()`));
    return { stop: () => db.execute(sql.raw(`DROP TRIGGER slow_insert ON ${table}`)) };
  }

  /** How long `url` took to answer `payload` with its 202. */
  async function answerTime(url: string, payload: object) {
    const started = performance.now();
    const res = await h.app.inject({ method: 'POST', url, payload });
    expect(res.statusCode).toBe(202);
    return performance.now() - started;
  }

  it('hole 12: POST /auth/register answers a taken and a free address after the same time, the slowest recent sign-up', async () => {
    const owner = await createUser(h);
    const register = (email: string) => answerTime('/auth/register', { email, password: 'a sign-up passphrase' });
    // While every new account takes a second longer to write, only an answer for a taken address that waits
    // as long as a new account took can take as long ...
    const slow = await slowInsertsInto('users');
    const free = [await register('first.newcomer@example.com'), await register('second.newcomer@example.com')];
    const taken = [await register(owner.email), await register(owner.email.toUpperCase())];
    await slow.stop();
    expect(Math.min(...free)).toBeGreaterThanOrEqual(1000);
    expect(Math.min(...taken)).toBeGreaterThanOrEqual(1000);
    // ... and a free address, quick again, waits as long too: were only the taken one padded, it would answer
    // at the longer of its own work and a new account's time, so always later than a free one.
    expect(await register('third.newcomer@example.com')).toBeGreaterThanOrEqual(1000);
  });

  it('hole 12: forgot-password and resend-verification take as long for an unknown address as for an account', async () => {
    const active = await createUser(h);
    const unverified = 'still.reading@example.com';
    await answerTime('/auth/register', { email: unverified, password: 'a sign-up passphrase' });
    // An account's answer writes a link; an unknown address's writes nothing, yet must take as long.
    const slow = await slowInsertsInto('one_time_tokens');
    try {
      for (const [url, account] of [
        ['/auth/forgot-password', active.email],
        ['/auth/resend-verification', unverified],
      ] as const) {
        expect(await answerTime(url, { email: account })).toBeGreaterThanOrEqual(1000);
        expect(await answerTime(url, { email: `nobody.${url.length}@example.com` })).toBeGreaterThanOrEqual(1000);
      }
    } finally {
      await slow.stop();
    }
  });
});
