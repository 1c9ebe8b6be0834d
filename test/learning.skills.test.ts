import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createSchool, type School } from './helpers/learning.js';

describe('learning: skills', () => {
  let s: School;
  beforeAll(async () => {
    s = await createSchool();
  });
  afterAll(() => s.close());
  const db = () => s.h.context.database.primary;

  const add = (id: string, body: object, who = s.learner) => s.as(who).send('POST', `/users/${id}/skills`, body);

  it('adds a skill (self-assessed when it is your own), one per name whatever its case', async () => {
    const created = await add('me', { skillName: 'TypeScript', skillCategory: 'Programming', proficiencyLevel: 'INTERMEDIATE' });
    expect(created.statusCode).toBe(201);
    expect(created.json().skill).toMatchObject({
      userId: s.learner.userId,
      skillName: 'TypeScript',
      selfAssessed: true,
      verified: false,
      verifiedBy: null,
    });
    const again = await add('me', { skillName: 'typescript', skillCategory: 'Other', proficiencyLevel: 'NOVICE' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('SKILL_ALREADY_EXISTS');

    const byInstructor = await add(
      s.learner.userId,
      { skillName: 'SQL', skillCategory: 'Data', proficiencyLevel: 'BEGINNER' },
      s.instructor,
    );
    expect(byInstructor.json().skill.selfAssessed).toBe(false);
    const renamed = await s.as(s.learner).send('PATCH', `/users/me/skills/${byInstructor.json().skill.id}`, { skillName: 'TYPESCRIPT' });
    expect(renamed.statusCode).toBe(409);
    expect(renamed.json().code).toBe('SKILL_ALREADY_EXISTS');
  });

  it('lists, filters and reads skills; evidence URLs must be http(s)', async () => {
    await add('me', {
      skillName: 'Python',
      skillCategory: 'programming',
      proficiencyLevel: 'ADVANCED',
      evidenceUrl: 'https://example.com/cert',
    });
    const bad = await add('me', {
      skillName: 'Go',
      skillCategory: 'Programming',
      proficiencyLevel: 'NOVICE',
      evidenceUrl: 'javascript:alert(1)',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ path: '/evidenceUrl' })]);

    const all = (await s.as(s.learner).send('GET', '/users/me/skills')).json();
    expect(all.nextCursor).toBeNull();
    expect(all.data.map((skill: { skillName: string }) => skill.skillName)).toEqual(['Python', 'SQL', 'TypeScript']);
    const programming = (await s.as(s.learner).send('GET', '/users/me/skills?category=Programming')).json();
    expect(programming.data.map((skill: { skillName: string }) => skill.skillName)).toEqual(['Python', 'TypeScript']);
    const advanced = (await s.as(s.learner).send('GET', '/users/me/skills?proficiency=ADVANCED&verified=false')).json();
    expect(advanced.data.map((skill: { skillName: string }) => skill.skillName)).toEqual(['Python']);
    const first = (await s.as(s.instructor).send('GET', `/users/${s.learner.userId}/skills?limit=2`)).json();
    expect(first.data.map((skill: { skillName: string }) => skill.skillName)).toEqual(['Python', 'SQL']);
    const second = (await s.as(s.instructor).send('GET', `/users/${s.learner.userId}/skills?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second).toEqual({ data: [expect.objectContaining({ skillName: 'TypeScript' })], nextCursor: null });

    const one = await s.as(s.learner).send('GET', `/users/me/skills/${all.data[0].id}`);
    expect(one.json().skill).toEqual(all.data[0]);
    const missing = await s.as(s.learner).send('GET', '/users/me/skills/01a20000-0000-7000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('SKILL_NOT_FOUND');
  });

  it('withdraws a verification once of several withdrawals at once: one event, the others change nothing', async () => {
    const skill = (await add('me', { skillName: 'Raced Go', skillCategory: 'Programming', proficiencyLevel: 'BEGINNER' })).json().skill;
    const path = `/users/${s.learner.userId}/skills/${skill.id}/verify`;
    for (let round = 0; round < 3; round++) {
      expect((await s.as(s.instructor).send('POST', path, {})).statusCode).toBe(200);
      const answers = await Promise.all([0, 1, 2].map(() => s.as(s.instructor).send('DELETE', path)));
      expect(answers.map((answer) => [answer.statusCode, answer.json().skill.verified])).toEqual(Array(3).fill([200, false]));
    }
    const withdrawals = await queryRows<{ n: number }>(
      db(),
      sql`SELECT count(*)::int AS n FROM audit_logs WHERE entity_id = ${skill.id} AND action = 'skill.verification_withdrawn'`,
    );
    expect(withdrawals[0]?.n).toBe(3);
  });

  it('lets an instructor verify with evidence, never yourself; a new proficiency clears the verification', async () => {
    const skill = (await add('me', { skillName: 'Rust', skillCategory: 'Programming', proficiencyLevel: 'BEGINNER' })).json().skill;
    const path = `/users/${s.learner.userId}/skills/${skill.id}`;

    // A learner holds no learning:manage; an instructor who does may still not verify their own skills.
    expect((await s.as(s.learner).send('POST', `/users/me/skills/${skill.id}/verify`, {})).statusCode).toBe(403);
    const own = (await add('me', { skillName: 'Teaching', skillCategory: 'Pedagogy', proficiencyLevel: 'EXPERT' }, s.instructor)).json()
      .skill;
    const self = await s.as(s.instructor).send('POST', `/users/me/skills/${own.id}/verify`, {});
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('CANNOT_VERIFY_OWN_SKILL');

    const verified = await s
      .as(s.instructor)
      .send('POST', `${path}/verify`, { evidenceType: 'project', evidenceUrl: 'https://git.example.com/rust' });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().skill).toMatchObject({
      verified: true,
      verifiedBy: s.instructor.userId,
      evidenceType: 'project',
      evidenceUrl: 'https://git.example.com/rust',
    });
    expect(verified.json().skill.verifiedAt).toEqual(expect.any(String));

    // The same values again: still verified (and nothing recorded). A new proficiency: the verification is gone,
    // and it is the learner's own claim (test/security.hardening.test.ts, hole 7, covers every other field).
    const unchanged = await s.as(s.learner).send('PATCH', `/users/me/skills/${skill.id}`, { skillCategory: 'Programming' });
    expect(unchanged.json().skill.verified).toBe(true);
    const moved = await s.as(s.learner).send('PATCH', `/users/me/skills/${skill.id}`, { proficiencyLevel: 'ADVANCED' });
    expect(moved.json().skill).toMatchObject({
      proficiencyLevel: 'ADVANCED',
      verified: false,
      verifiedBy: null,
      verifiedAt: null,
      selfAssessed: true,
    });

    await s.as(s.instructor).send('POST', `${path}/verify`, {});
    const withdrawn = await s.as(s.instructor).send('DELETE', `${path}/verify`);
    expect(withdrawn.json().skill).toMatchObject({ verified: false, verifiedBy: null });
    const trail = await queryRows<{ action: string }>(db(), sql`SELECT action FROM audit_logs WHERE entity_id = ${skill.id} ORDER BY id`);
    expect(trail.map((row) => row.action)).toEqual([
      'skill.added',
      'skill.verified',
      'skill.updated',
      'skill.verified',
      'skill.verification_withdrawn',
    ]);
    // Withdrawing what is not there changes nothing and records nothing.
    expect((await s.as(s.instructor).send('DELETE', `${path}/verify`)).statusCode).toBe(200);
    const after = await queryRows<{ n: number }>(db(), sql`SELECT count(*)::int AS n FROM audit_logs WHERE entity_id = ${skill.id}`);
    expect(after[0]?.n).toBe(5);

    expect((await s.as(s.learner).send('DELETE', `/users/me/skills/${skill.id}`)).statusCode).toBe(204);
    expect((await s.as(s.learner).send('DELETE', `/users/me/skills/${skill.id}`)).json().code).toBe('SKILL_NOT_FOUND');
  });

  it("answers another organization's learner as missing, and keeps learners to their own records", async () => {
    const theirs = (await add('me', { skillName: 'French', skillCategory: 'Languages', proficiencyLevel: 'EXPERT' }, s.outsider)).json()
      .skill;
    const base = `/users/${s.outsider.userId}/skills`;
    for (const [method, url, body] of [
      ['GET', base],
      ['POST', base, { skillName: 'X', skillCategory: 'Y', proficiencyLevel: 'NOVICE' }],
      ['GET', `${base}/${theirs.id}`],
      ['PATCH', `${base}/${theirs.id}`, { skillCategory: 'Z' }],
      ['DELETE', `${base}/${theirs.id}`],
      ['POST', `${base}/${theirs.id}/verify`, {}],
      ['DELETE', `${base}/${theirs.id}/verify`],
    ] as const) {
      const res = await s.as(s.instructor).send(method, url, body);
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 404, 'USER_NOT_FOUND']);
    }
    // A classmate is in the same organization, but a learner may touch only their own records.
    const classmate = await s.as(s.learner).send('GET', `/users/${s.classmate.userId}/skills`);
    expect(classmate.statusCode).toBe(403);
    expect(
      (
        await s
          .as(s.learner)
          .send('POST', `/users/${s.classmate.userId}/skills`, { skillName: 'X', skillCategory: 'Y', proficiencyLevel: 'NOVICE' })
      ).statusCode,
    ).toBe(403);
    // The other organization's instructor verifies there.
    expect((await s.as(s.instructorB).send('POST', `${base}/${theirs.id}/verify`, {})).json().skill.verified).toBe(true);
  });

  it('serves the catalogue of skill names in your organization from the trigram index', async () => {
    await add('me', { skillName: 'typescript', skillCategory: 'Programming', proficiencyLevel: 'NOVICE' }, s.classmate);
    await add('me', { skillName: 'TypeScript', skillCategory: 'Programming', proficiencyLevel: 'NOVICE' }, s.outsider);
    const mine = await s.as(s.learner).send('GET', '/skills/catalog?q=SCRIPT');
    expect(mine.statusCode).toBe(200);
    expect(mine.json().data).toEqual([{ name: 'TypeScript', category: 'Programming', count: 2 }]);
    const everywhere = await s.as(s.root).send('GET', '/skills/catalog?q=script');
    expect(everywhere.json().data).toEqual([{ name: 'TypeScript', category: 'Programming', count: 3 }]);
    expect((await s.as(s.learner).send('GET', '/skills/catalog?q=100%25')).json().data).toEqual([]);

    const plan = await db().transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      return queryRows(tx, sql`EXPLAIN SELECT 1 FROM user_skills WHERE lower(skill_name) LIKE '%script%'`);
    });
    expect(JSON.stringify(plan)).toContain('user_skills_name_trgm_idx');
  });
});
