import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import type { SignedInCaller } from '../src/platform/caller.js';
import { createUser, login, loginAs } from './helpers/auth.js';
import { createSchool, type School } from './helpers/learning.js';

const course = '01b00000-0000-7000-8000-00000000000c';
const otherCourse = '01b00000-0000-7000-8000-00000000000d';
const lesson = (n: number) => `01b00000-0000-7000-8000-0000000000${String(n).padStart(2, '0')}`;

/** A week of learning in March 2026 (UTC), deliberately spread over several days. */
const week = [
  { id: 'e1', type: 'course.enrolled', occurredAt: '2026-03-02T09:00:00Z', courseId: course },
  { id: 'e2', type: 'lesson.completed', occurredAt: '2026-03-02T10:00:00Z', lessonId: lesson(1), courseId: course, minutes: 30 },
  { id: 'e3', type: 'assessment.completed', occurredAt: '2026-03-03T10:00:00Z', score: 81.3, passed: true, courseId: course },
  { id: 'e4', type: 'lesson.completed', occurredAt: '2026-03-03T11:00:00Z', lessonId: lesson(2), courseId: course, minutes: 45 },
  { id: 'e5', type: 'course.enrolled', occurredAt: '2026-03-04T08:00:00Z', courseId: otherCourse },
  { id: 'e6', type: 'assessment.completed', occurredAt: '2026-03-04T09:00:00Z', score: 42.1, passed: false },
  { id: 'e7', type: 'lesson.completed', occurredAt: '2026-03-04T10:00:00Z', lessonId: lesson(3), courseId: otherCourse, minutes: 20 },
  { id: 'e8', type: 'assessment.completed', occurredAt: '2026-03-04T11:00:00Z', score: 70.05, passed: true, assessmentId: 'quiz-7' },
  { id: 'e9', type: 'course.completed', occurredAt: '2026-03-04T12:00:00Z', courseId: course },
  { id: 'e10', type: 'certificate.earned', occurredAt: '2026-03-04T12:01:00Z', certificateId: 'cert-1', courseId: course },
  { id: 'e11', type: 'badge.earned', occurredAt: '2026-03-04T12:02:00Z', badgeId: 'early-bird' },
  { id: 'e12', type: 'points.earned', occurredAt: '2026-03-04T12:03:00Z', points: 150 },
];
const afterTheWeek = new Date('2026-03-04T18:00:00Z');

describe('learning: events → statistics', () => {
  let s: School;
  let key: string;
  beforeAll(async () => {
    s = await createSchool();
    const created = await s.as(s.instructor).send('POST', '/auth/api-keys', { name: 'course service', scopes: ['learning:manage'] });
    key = created.json().key;
  });
  afterAll(() => s.close());

  const db = () => s.h.context.database.primary;
  const learning = () => s.h.app.modules.learning;
  /** The course service, calling the service with a clock of its own (what its API key would do at `now`). */
  const courseService = (userId: string): SignedInCaller => ({
    principal: {
      userId: s.instructor.userId,
      sessionId: null,
      apiKeyId: null,
      organizationId: s.orgA,
      roles: [],
      permissions: new Set(['learning:manage']),
      crossTenant: false,
    },
    ipAddress: '10.0.0.9',
    userAgent: `course-service (for ${userId})`,
    requestId: null,
  });
  const record = (userId: string, events: object[], now = afterTheWeek) =>
    learning().statistics.record(courseService(userId), userId, events as never, now);
  const statsOf = async (userId: string) => (await s.as(s.root).send('GET', `/users/${userId}/stats`)).json().stats;
  const newLearner = async (timezone?: string) => {
    const user = await createUser(s.h, { organizationId: s.orgA, roles: ['LEARNER'] });
    if (timezone) await db().execute(sql`UPDATE profiles SET timezone = ${timezone} WHERE user_id = ${user.id}`);
    return user.id;
  };

  it('takes a batch from a service key with learning:manage and counts it, in the same transaction', async () => {
    const res = await s.h.app.inject({
      method: 'POST',
      url: `/users/${s.learner.userId}/learning-events`,
      headers: { 'x-api-key': key },
      payload: { events: week.slice(0, 2) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      recorded: 2,
      duplicates: 0,
      stats: { totalCoursesEnrolled: 1, totalLearningTime: 30, lastCourseAccessed: course },
    });
    const stored = await queryRows(db(), sql`SELECT event_id FROM learning_events WHERE user_id = ${s.learner.userId} ORDER BY event_id`);
    expect(stored).toEqual([{ event_id: 'e1' }, { event_id: 'e2' }]);

    const theirs = await s.h.app.inject({
      method: 'POST',
      url: `/users/${s.outsider.userId}/learning-events`,
      headers: { 'x-api-key': key },
      payload: { events: week.slice(0, 1) },
    });
    expect(theirs.json().code).toBe('USER_NOT_FOUND');
    // Learners do not report their own learning.
    const own = await s.as(s.learner).send('POST', '/users/me/learning-events', { events: week.slice(0, 1) });
    expect(own.statusCode).toBe(403);
  });

  it('refuses malformed batches by field: size, types, fields, a time in the future', async () => {
    const send = (events: object[]) => s.as(s.instructor).send('POST', `/users/${s.learner.userId}/learning-events`, { events });
    const tooMany = Array.from({ length: 501 }, (_, i) => ({
      id: `x${i}`,
      type: 'points.earned',
      occurredAt: '2026-03-01T00:00:00Z',
      points: 1,
    }));
    expect((await send(tooMany)).statusCode).toBe(400);
    expect((await send([])).statusCode).toBe(400);
    expect((await send([{ id: 'y', type: 'course.liked', occurredAt: '2026-03-01T00:00:00Z' }])).statusCode).toBe(400);
    expect((await send([{ id: 'y', type: 'lesson.completed', occurredAt: '2026-03-01T00:00:00Z', lessonId: lesson(1) }])).statusCode).toBe(
      400,
    );
    expect(
      (await send([{ id: 'y', type: 'assessment.completed', occurredAt: '2026-03-01T00:00:00Z', score: 101, passed: true }])).statusCode,
    ).toBe(400);
    const future = await send([
      week[0] as object,
      { id: 'z', type: 'points.earned', occurredAt: new Date(Date.now() + 3_600_000).toISOString(), points: 5 },
    ]);
    expect(future.statusCode).toBe(400);
    expect(future.json().errors).toEqual([{ path: '/events/1/occurredAt', message: 'must not be in the future' }]);
  });

  const pointsBatch = (learner: string, batch: number, points: number) =>
    s.as(s.instructor).send('POST', `/users/${learner}/learning-events`, {
      events: Array.from({ length: 500 }, (_, i) => ({
        id: `p${batch}-${i}`,
        type: 'points.earned',
        occurredAt: '2026-03-01T00:00:00Z',
        points,
      })),
    });

  it('counts points past 2^31 exactly', async () => {
    const learner = await newLearner();
    for (let batch = 1; batch <= 5; batch++) expect((await pointsBatch(learner, batch, 1_000_000)).statusCode).toBe(200);
    expect((await statsOf(learner)).pointsEarned).toBe(2_500_000_000);
  });

  it('answers a total past what its counter holds with 400 VALUE_OUT_OF_RANGE, never a 500, and writes nothing of that batch', async () => {
    const learner = await newLearner();
    const lessons = (batch: number) =>
      s.as(s.instructor).send('POST', `/users/${learner}/learning-events`, {
        events: Array.from({ length: 20 }, (_, i) => ({
          id: `l${batch}-${i}`,
          type: 'lesson.completed',
          occurredAt: '2026-03-01T00:00:00Z',
          lessonId: lesson(i),
          courseId: course,
          minutes: 1000,
        })),
      });
    // A counter narrower than the totals it takes (as a column altered by hand would be): PostgreSQL refuses the sum.
    await db().execute(sql`ALTER TABLE learning_stats ALTER COLUMN total_learning_time TYPE smallint`);
    try {
      expect((await lessons(1)).statusCode).toBe(200);
      const second = await lessons(2);
      expect([second.statusCode, second.headers['content-type'], second.json().code]).toEqual([
        400,
        'application/problem+json; charset=utf-8',
        'VALUE_OUT_OF_RANGE',
      ]);
    } finally {
      await db().execute(sql`ALTER TABLE learning_stats ALTER COLUMN total_learning_time TYPE bigint`);
    }
    expect((await statsOf(learner)).totalLearningTime).toBe(20_000);
    const [events] = await queryRows<{ count: number }>(
      db(),
      sql`SELECT count(*)::int AS count FROM learning_events WHERE user_id = ${learner}`,
    );
    expect(events?.count).toBe(20);
  });

  it('computes every learning statistic from a week of events', async () => {
    const learner = await newLearner();
    const result = await record(learner, week);
    expect(result).toMatchObject({ recorded: 12, duplicates: 0 });
    expect(result.stats).toEqual({
      totalCoursesEnrolled: 2,
      coursesCompleted: 1,
      coursesInProgress: 1,
      totalLearningTime: 95,
      thisWeekLearningTime: 95,
      thisMonthLearningTime: 95,
      averageScore: 64.48333333333333,
      highestScore: 81.3,
      totalAssessmentsTaken: 3,
      assessmentsPassed: 2,
      loginStreak: 3,
      longestLoginStreak: 3,
      totalLogins: 0,
      certificatesEarned: 1,
      badgesEarned: 1,
      pointsEarned: 150,
      lastActivity: '2026-03-04T12:03:00.000Z',
      lastCourseAccessed: course,
      lastLessonCompleted: lesson(3),
      weekStartDate: '2026-03-02',
      monthStartDate: '2026-03-01',
    });
    expect(await statsOf(learner)).toEqual(result.stats);
  });

  it('is idempotent by event id: the same batch twice gives the same statistics and records nothing new', async () => {
    const learner = await newLearner();
    const first = await record(learner, week);
    const audited = () =>
      queryRows<{ n: number }>(
        db(),
        sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'learning.events_recorded' AND entity_id = ${learner}`,
      );
    expect(await audited()).toEqual([{ n: 1 }]);
    const again = await record(learner, week);
    expect(again).toEqual({ recorded: 0, duplicates: 12, stats: first.stats });
    expect(await audited()).toEqual([{ n: 1 }]);
    // A retry that overlaps: only the new event counts.
    const overlap = await record(learner, [
      ...week.slice(10),
      { id: 'e13', type: 'points.earned', occurredAt: '2026-03-04T13:00:00Z', points: 5 },
    ]);
    expect(overlap).toMatchObject({ recorded: 1, duplicates: 2, stats: { pointsEarned: 155, badgesEarned: 1 } });
  });

  it('gives the same statistics when events arrive out of order', async () => {
    const inOrder = await newLearner();
    const shuffled = await newLearner();
    const expected = (await record(inOrder, week)).stats;
    const reversed = [...week].reverse();
    await record(shuffled, reversed.slice(0, 5));
    await record(shuffled, reversed.slice(5, 9).reverse());
    const last = await record(shuffled, reversed.slice(9));
    expect(last.stats).toEqual(expected);
  });

  it("counts streaks on the learner's calendar: two lessons either side of Tokyo's midnight are two days there, one in UTC", async () => {
    const tokyo = await newLearner('Asia/Tokyo');
    const london = await newLearner('UTC');
    // 23:30 and 00:30 in Tokyo (UTC+9) are 14:30 and 15:30 the same day in UTC.
    const lessons = [
      { id: 'l1', type: 'lesson.completed', occurredAt: '2026-03-01T14:30:00Z', lessonId: lesson(1), courseId: course, minutes: 10 },
      { id: 'l2', type: 'lesson.completed', occurredAt: '2026-03-01T15:30:00Z', lessonId: lesson(2), courseId: course, minutes: 10 },
    ];
    const now = new Date('2026-03-02T16:00:00Z');
    expect((await record(tokyo, lessons, now)).stats).toMatchObject({ loginStreak: 2, longestLoginStreak: 2, weekStartDate: '2026-03-02' });
    expect((await record(london, lessons, now)).stats).toMatchObject({
      loginStreak: 1,
      longestLoginStreak: 1,
      weekStartDate: '2026-03-02',
    });
    // In Tokyo the first lesson fell on Sunday (last week), the second on Monday; in UTC both on Sunday.
    expect((await statsOf(tokyo)).thisWeekLearningTime).toBe(10);
    expect((await statsOf(london)).thisWeekLearningTime).toBe(0);
  });

  it('counts sign-ins toward totalLogins and the streak; a late lesson can join two runs', async () => {
    const learner = await newLearner();
    const signIn = (at: string) => db().transaction((tx) => learning().statistics.recordSignIn(tx, learner, new Date(at)));
    await signIn('2026-05-01T08:00:00Z');
    await signIn('2026-05-01T20:00:00Z');
    await signIn('2026-05-02T08:00:00Z');
    await signIn('2026-05-04T08:00:00Z');
    expect(await statsOf(learner)).toMatchObject({
      totalLogins: 4,
      loginStreak: 1,
      longestLoginStreak: 2,
      lastActivity: '2026-05-04T08:00:00.000Z',
    });
    const gap = [
      { id: 'gap', type: 'lesson.completed', occurredAt: '2026-05-03T12:00:00Z', lessonId: lesson(9), courseId: course, minutes: 5 },
    ];
    expect((await record(learner, gap, new Date('2026-05-04T09:00:00Z'))).stats).toMatchObject({ loginStreak: 4, longestLoginStreak: 4 });

    // Through the real sign-in route: the user who signs in is counted, and their profile shows it.
    const user = await createUser(s.h, { organizationId: s.orgA, roles: ['LEARNER'] });
    const session = await login(s.h, user.email, user.password);
    await login(s.h, user.email, user.password);
    const profile = (await s.h.app.inject({ method: 'GET', url: '/users/profile', headers: session.headers })).json();
    expect(profile.stats).toMatchObject({ totalLogins: 2, loginStreak: 1, longestLoginStreak: 1 });
  });

  it('recomputes this week and month, and lapsed streaks, on the job after a boundary (in each timezone)', async () => {
    const utc = await newLearner('UTC');
    const la = await newLearner('America/Los_Angeles');
    const minutes = (id: string, at: string, n: number) => ({
      id,
      type: 'lesson.completed',
      occurredAt: at,
      lessonId: lesson(5),
      courseId: course,
      minutes: n,
    });
    for (const user of [utc, la]) {
      // Los Angeles is UTC-7 in March after the 8th: both lessons fall on the same local days as in UTC.
      await record(
        user,
        [minutes('w1', '2026-03-11T18:00:00Z', 30), minutes('w2', '2026-03-16T18:00:00Z', 20)],
        new Date('2026-03-16T19:00:00Z'),
      );
      expect(await statsOf(user)).toMatchObject({ thisWeekLearningTime: 20, thisMonthLearningTime: 50, loginStreak: 1 });
    }

    // Monday 23 March, 01:00 UTC: a new week in UTC; still Sunday evening in Los Angeles.
    await learning().statistics.refreshWindows(new Date('2026-03-23T01:00:00Z'));
    expect(await statsOf(utc)).toMatchObject({
      thisWeekLearningTime: 0,
      thisMonthLearningTime: 50,
      weekStartDate: '2026-03-23',
      loginStreak: 0,
      longestLoginStreak: 1,
    });
    expect(await statsOf(la)).toMatchObject({
      thisWeekLearningTime: 20,
      thisMonthLearningTime: 50,
      weekStartDate: '2026-03-16',
      loginStreak: 0,
    });

    await learning().statistics.refreshWindows(new Date('2026-03-23T08:00:00Z'));
    expect(await statsOf(la)).toMatchObject({ thisWeekLearningTime: 0, weekStartDate: '2026-03-23' });

    // A new month; and a run that changes nothing leaves every row alone.
    expect(await learning().statistics.refreshWindows(new Date('2026-04-01T12:00:00Z'))).toBeGreaterThanOrEqual(2);
    expect(await statsOf(utc)).toMatchObject({ thisMonthLearningTime: 0, monthStartDate: '2026-04-01', totalLearningTime: 50 });
    expect(await learning().statistics.refreshWindows(new Date('2026-04-01T12:05:00Z'))).toBe(0);
  });

  it("shows a user's statistics to who may read them; zeros before anything is recorded", async () => {
    const fresh = await newLearner();
    const stats = await statsOf(fresh);
    expect(stats).toMatchObject({ totalLogins: 0, averageScore: null, lastActivity: null, weekStartDate: null });
    expect((await s.as(s.learner).send('GET', '/users/me/stats')).json().stats.totalCoursesEnrolled).toBe(1);
    expect((await s.as(s.instructor).send('GET', `/users/${s.learner.userId}/stats`)).statusCode).toBe(200);
    expect((await s.as(s.learner).send('GET', `/users/${s.classmate.userId}/stats`)).statusCode).toBe(403);
    expect((await s.as(s.instructorB).send('GET', `/users/${s.learner.userId}/stats`)).json().code).toBe('USER_NOT_FOUND');
  });

  it("gives a user's preferences and statistics in their detail to the same readers (?include=preferences,stats)", async () => {
    const detail = (session: Parameters<School['as']>[0], id: string) =>
      s.as(session).send('GET', `/users/${id}?include=preferences,stats`);
    await s.as(s.learner).send('PUT', '/users/profile', { preferences: { difficultyPreference: 'ADVANCED' } });
    const read = await detail(s.instructor, s.learner.userId);
    expect(read.statusCode).toBe(200);
    expect(read.json().preferences).toMatchObject({ difficultyPreference: 'ADVANCED' });
    const own = (await s.as(s.learner).send('GET', '/users/profile')).json();
    // The same records as the person's own profile shows, in the same shape.
    expect(read.json().stats).toEqual(own.stats);
    expect(read.json().preferences).toEqual(own.preferences);
    expect((await detail(s.learner, 'me')).json().preferences).toEqual(own.preferences);

    const fresh = await newLearner();
    expect((await detail(s.instructor, fresh)).json()).toMatchObject({ preferences: null, stats: null });
    // Reading users is not reading their learning records.
    const peopleReader = await loginAs(s.h, { permissions: ['users:read'], organizationId: s.orgA });
    const refused = await detail(peopleReader, s.learner.userId);
    expect([refused.statusCode, refused.json().code, refused.json().detail]).toEqual([
      403,
      'FORBIDDEN',
      'include=preferences,stats needs the learning:read permission.',
    ]);
    expect((await s.as(peopleReader).send('GET', `/users/${s.learner.userId}?include=profile`)).statusCode).toBe(200);
    expect((await detail(s.instructorB, s.learner.userId)).json().code).toBe('USER_NOT_FOUND');
  });
});
