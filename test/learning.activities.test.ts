import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { userActivities } from '../src/db/schema/index.js';
import { pruneActivities } from '../src/modules/learning/activity-log.js';
import { deviceTypeOf } from '../src/modules/learning/device.js';
import { createHarness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { avatarForm, createSchool, type School } from './helpers/learning.js';

const agents = {
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  mobile:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  bot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
};

describe('device types from user agents', () => {
  it('tells desktop, mobile, tablet and bot apart, and says nothing of what it cannot read', () => {
    for (const [type, agent] of Object.entries(agents)) expect(deviceTypeOf(agent)).toBe(type);
    expect(deviceTypeOf('curl/8.5.0')).toBeNull();
    expect(deviceTypeOf(null)).toBeNull();
  });
});

describe('learning: the activity log', () => {
  let s: School;
  beforeAll(async () => {
    s = await createSchool();
  });
  afterAll(() => s.close());

  const db = () => s.h.context.database.primary;
  /** The activities of a user written since `since`, oldest first, with their context. */
  const written = (userId: string, since: Date) =>
    queryRows<{
      activity_type: string;
      activity_data: unknown;
      device_type: string | null;
      ip_address: string | null;
      user_agent: string | null;
    }>(
      db(),
      sql`SELECT activity_type, activity_data, device_type, ip_address, user_agent FROM user_activities
          WHERE user_id = ${userId} AND created_at >= ${since} ORDER BY created_at, id`,
    );

  /** Runs `action` and returns the one activity it wrote for `userId`. */
  async function activityOf(userId: string, action: () => Promise<{ statusCode: number }>) {
    const since = new Date(Date.now() - 1);
    const res = await action();
    expect(res.statusCode).toBeLessThan(300);
    const rows = await written(userId, since);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  const fromPhone = () => s.as(s.learner, { 'user-agent': agents.mobile });

  it('PROFILE_UPDATED: names the profile fields changed, with the ip, agent and device of the caller', async () => {
    const row = await activityOf(s.learner.userId, () =>
      fromPhone().send('PUT', '/users/profile', { profile: { bio: 'Hello', city: 'Lyon' } }),
    );
    expect(row).toEqual({
      activity_type: 'PROFILE_UPDATED',
      activity_data: { fields: ['bio', 'city'] },
      device_type: 'mobile',
      ip_address: '127.0.0.1',
      user_agent: agents.mobile,
    });
    const names = await activityOf(s.learner.userId, () => fromPhone().send('PUT', '/users/profile', { firstName: 'Ada' }));
    expect(names).toMatchObject({ activity_type: 'PROFILE_UPDATED', activity_data: { fields: ['firstName'] } });
  });

  it('PREFERENCES_CHANGED: names the learning preferences changed', async () => {
    const row = await activityOf(s.learner.userId, () =>
      s
        .as(s.learner, { 'user-agent': agents.tablet })
        .send('PUT', '/users/profile', { preferences: { visualScore: 0.9, fontSize: 'LARGE' } }),
    );
    expect(row).toMatchObject({
      activity_type: 'PREFERENCES_CHANGED',
      activity_data: { fields: ['visualScore', 'fontSize'] },
      device_type: 'tablet',
    });
  });

  it('EMAIL_CHANGED: says the address changed, not what it is', async () => {
    // A person's own change waits for confirmation; an administrator's takes effect at once.
    const row = await activityOf(s.classmate.userId, () =>
      s.as(s.root).send('PATCH', `/users/${s.classmate.userId}`, { email: `new-${Date.now()}@example.com` }),
    );
    expect(row).toMatchObject({ activity_type: 'EMAIL_CHANGED', activity_data: { fields: ['email'] } });
    expect(JSON.stringify(row)).not.toContain('@example.com');
  });

  it('PASSWORD_CHANGED: never carries the password', async () => {
    const who = await loginAs(s.h, { roles: ['LEARNER'], organizationId: s.orgA });
    const row = await activityOf(who.userId, () =>
      s.as(who, { 'user-agent': agents.desktop }).send('POST', '/auth/change-password', {
        currentPassword: who.user.password,
        newPassword: 'an entirely new passphrase',
      }),
    );
    expect(row).toMatchObject({ activity_type: 'PASSWORD_CHANGED', activity_data: { via: 'change' }, device_type: 'desktop' });
    expect(JSON.stringify(row)).not.toContain('passphrase');
  });

  it('PASSWORD_CHANGED: also when an administrator sets one, and when a temporary one is replaced', async () => {
    const who = await loginAs(s.h, { roles: ['LEARNER'], organizationId: s.orgA });
    const temporary = 'a temporary passphrase 31';
    const set = await activityOf(who.userId, () =>
      s.as(s.root, { 'user-agent': agents.desktop }).send('PUT', `/users/${who.userId}/password`, { password: temporary, temporary: true }),
    );
    // The administrator's agent is not the learner's.
    expect(set).toMatchObject({
      activity_type: 'PASSWORD_CHANGED',
      activity_data: { via: 'administrator', temporary: true },
      device_type: null,
    });
    const signIn = await s.h.app.inject({ method: 'POST', url: '/auth/login', payload: { email: who.user.email, password: temporary } });
    const replaced = await activityOf(who.userId, () =>
      s.h.app.inject({
        method: 'POST',
        url: '/auth/change-password',
        headers: { 'user-agent': agents.mobile },
        payload: { changeToken: signIn.json().changeToken, newPassword: 'a passphrase of my own 32' },
      }),
    );
    expect(replaced).toMatchObject({ activity_type: 'PASSWORD_CHANGED', activity_data: { via: 'temporary' }, device_type: 'mobile' });
    expect(JSON.stringify([set, replaced])).not.toContain('passphrase');
  });

  it('AVATAR_UPLOADED: from the upload route', async () => {
    const image = await sharp({ create: { width: 80, height: 80, channels: 3, background: { r: 9, g: 99, b: 199 } } })
      .png()
      .toBuffer();
    const body = avatarForm(image);
    const row = await activityOf(s.learner.userId, () =>
      s.h.app.inject({
        method: 'POST',
        url: '/users/upload-avatar',
        payload: body.payload,
        headers: { ...s.learner.headers, ...body.headers },
      }),
    );
    expect(row).toMatchObject({ activity_type: 'AVATAR_UPLOADED', activity_data: { bytes: image.length } });
  });

  it('SKILL_ADDED and SKILL_VERIFIED: the learner’s log, without the verifier’s address and device (theirs, in the audit log)', async () => {
    const added = await activityOf(s.learner.userId, () =>
      fromPhone().send('POST', '/users/me/skills', { skillName: 'Chemistry', skillCategory: 'Science', proficiencyLevel: 'BEGINNER' }),
    );
    const skillId = (added?.activity_data as { skillId: string } | undefined)?.skillId;
    expect(added).toMatchObject({
      activity_type: 'SKILL_ADDED',
      activity_data: { skillId, skillName: 'Chemistry', category: 'Science', proficiency: 'BEGINNER' },
    });
    const verified = await activityOf(s.learner.userId, () =>
      s
        .as(s.instructor, { 'user-agent': agents.bot })
        .send('POST', `/users/${s.learner.userId}/skills/${skillId}/verify`, { evidenceType: 'assessment' }),
    );
    expect(verified).toMatchObject({
      activity_type: 'SKILL_VERIFIED',
      activity_data: { skillId, skillName: 'Chemistry', evidenceType: 'assessment' },
      ip_address: null,
      user_agent: null,
      device_type: null,
    });
  });

  it('GOAL_CREATED and GOAL_UPDATED: what changed, before → after', async () => {
    const created = await activityOf(s.learner.userId, () =>
      fromPhone().send('POST', '/users/me/goals', {
        title: 'Read',
        goalType: 'CUSTOM',
        targetValue: 10,
        startDate: '2030-01-01',
        targetDate: '2030-02-01',
      }),
    );
    const goalId = (created?.activity_data as { goalId: string } | undefined)?.goalId;
    expect(created).toMatchObject({ activity_type: 'GOAL_CREATED', activity_data: { goalId, title: 'Read', goalType: 'CUSTOM' } });
    const updated = await activityOf(s.learner.userId, () => fromPhone().send('POST', `/users/me/goals/${goalId}/progress`, { value: 5 }));
    expect(updated).toMatchObject({
      activity_type: 'GOAL_UPDATED',
      activity_data: {
        goalId,
        title: 'Read',
        fields: ['currentValue', 'progressPercentage'],
        before: { currentValue: 0, progressPercentage: 0 },
        after: { currentValue: 5, progressPercentage: 50 },
      },
    });
  });

  it('writes nothing for a change that changes nothing, and nothing when the change is refused', async () => {
    const since = new Date(Date.now() - 1);
    await fromPhone().send('PUT', '/users/profile', { profile: { bio: 'Hello' } });
    await fromPhone().send('POST', '/users/me/skills', { skillName: 'chemistry', skillCategory: 'x', proficiencyLevel: 'NOVICE' });
    expect(await written(s.learner.userId, since)).toEqual([]);
  });

  it('lists newest first by keyset pages, by type and time, only for who may read them', async () => {
    const list = async (query: string, who = s.learner) => (await s.as(who).send('GET', `/users/me/activities?${query}`)).json();
    const all: { id: string; activityType: string; createdAt: string; deviceType: string | null }[] = [];
    let page = await list('limit=3');
    for (;;) {
      all.push(...page.data);
      if (!page.nextCursor) break;
      page = await list(`limit=3&cursor=${page.nextCursor}`);
    }
    const stored = await queryRows<{ id: string }>(
      db(),
      sql`SELECT id FROM user_activities WHERE user_id = ${s.learner.userId} ORDER BY created_at DESC, id DESC`,
    );
    expect(all.map((item) => item.id)).toEqual(stored.map((row) => row.id));
    expect(Object.keys(all[0] ?? {}).sort()).toEqual(['activityData', 'activityType', 'createdAt', 'deviceType', 'id']);

    const skills = await list('type=SKILL_ADDED');
    expect(skills.data.map((item: { activityType: string }) => item.activityType)).toEqual(['SKILL_ADDED']);
    const oldest = all.at(-1)?.createdAt as string;
    expect((await list(`to=${encodeURIComponent(oldest)}`)).data).toHaveLength(1);
    expect((await list(`from=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`)).data).toEqual([]);
    expect((await s.as(s.learner).send('GET', '/users/me/activities?cursor=bm9wZQ')).json().code).toBe('INVALID_CURSOR');

    expect((await s.as(s.instructor).send('GET', `/users/${s.learner.userId}/activities`)).json().data).toHaveLength(all.length);
    expect((await s.as(s.classmate).send('GET', `/users/${s.learner.userId}/activities`)).statusCode).toBe(403);
    expect((await s.as(s.instructorB).send('GET', `/users/${s.learner.userId}/activities`)).json().code).toBe('USER_NOT_FOUND');
  });

  it('retention deletes exactly the activities older than ACTIVITY_RETENTION_DAYS, in batches', async () => {
    const who = await loginAs(s.h, { organizationId: s.orgA });
    const now = new Date();
    const day = 86_400_000;
    const limit = now.getTime() - 365 * day;
    const ages = [limit - 1, limit - day, limit - 2 * day, limit - 30 * day, limit - 400 * day, limit, limit + 1, now.getTime() - day];
    await db()
      .insert(userActivities)
      .values(ages.map((at) => ({ userId: who.userId, activityType: 'PROFILE_UPDATED' as const, createdAt: new Date(at) })));
    const pruned = await pruneActivities(s.h.context.database.primary, now, 365, 2);
    expect(pruned).toBe(5);
    const left = await queryRows<{ created_at: string }>(
      db(),
      sql`SELECT created_at FROM user_activities WHERE user_id = ${who.userId} ORDER BY created_at`,
    );
    expect(left.map((row) => new Date(row.created_at).getTime())).toEqual([limit, limit + 1, now.getTime() - day]);
    // Nobody's recent activity went with them.
    expect((await s.as(s.learner).send('GET', '/users/me/activities')).json().data.length).toBeGreaterThan(5);
  });
});

describe('learning: scheduled jobs', () => {
  it('registers retention and the stats recompute (every STATS_UPDATE_INTERVAL) with the job runner', async () => {
    const h = await createHarness({ preset: 'learning', config: { JOBS_ENABLED: 'true', STATS_UPDATE_INTERVAL: '15m' } });
    try {
      const rows = await queryRows<{ name: string; cron: string }>(
        h.context.database.primary,
        sql`SELECT name, cron FROM pgboss.schedule WHERE name LIKE 'learning-%' ORDER BY name`,
      );
      expect(rows).toEqual([
        { name: 'learning-activity-retention', cron: '17 * * * *' },
        { name: 'learning-stats-windows', cron: '*/15 * * * *' },
      ]);
    } finally {
      await h.close();
    }
  });
});
