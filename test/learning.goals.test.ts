import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchool, type School } from './helpers/learning.js';

describe('learning: goals', () => {
  let s: School;
  beforeAll(async () => {
    s = await createSchool();
  });
  afterAll(() => s.close());

  const me = () => s.as(s.learner);
  const create = async (body: object) => {
    const res = await me().send('POST', '/users/me/goals', body);
    expect(res.statusCode).toBe(201);
    return res.json().goal as { id: string; [key: string]: unknown };
  };

  it('sets a goal with a timeline, and refuses a target date before the start', async () => {
    const goal = await create({
      title: 'Finish the SQL course',
      goalType: 'COURSE_COMPLETION',
      targetValue: 4,
      unit: 'courses',
      startDate: '2030-01-01',
      targetDate: '2030-03-01',
    });
    expect(goal).toMatchObject({
      userId: s.learner.userId,
      status: 'ACTIVE',
      priority: 'MEDIUM',
      currentValue: 0,
      progressPercentage: 0,
      startDate: '2030-01-01',
      targetDate: '2030-03-01',
      completedAt: null,
    });
    const backwards = await me().send('POST', '/users/me/goals', {
      title: 'x',
      goalType: 'CUSTOM',
      startDate: '2030-02-01',
      targetDate: '2030-01-31',
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().errors).toEqual([{ path: '/targetDate', message: 'must be on or after startDate' }]);
    const moved = await me().send('PATCH', `/users/me/goals/${goal.id}`, { startDate: '2030-04-01' });
    expect(moved.statusCode).toBe(400);
    const defaulted = await create({ title: 'Today on', goalType: 'CUSTOM', targetDate: '2999-01-01' });
    expect(defaulted.startDate).toBe(new Date().toISOString().slice(0, 10));
  });

  it('records progress by value or delta; reaching the target completes the goal', async () => {
    const goal = await create({
      title: 'Ten hours',
      goalType: 'LEARNING_TIME',
      targetValue: 10,
      unit: 'hours',
      startDate: '2030-01-01',
      targetDate: '2030-12-31',
    });
    const path = `/users/me/goals/${goal.id}/progress`;
    const first = (await me().send('POST', path, { value: 2.5 })).json().goal;
    expect(first).toMatchObject({ currentValue: 2.5, progressPercentage: 25, status: 'ACTIVE', completedAt: null });
    expect(first.lastProgressUpdate).toEqual(expect.any(String));
    const second = (await me().send('POST', path, { delta: 5 })).json().goal;
    expect(second).toMatchObject({ currentValue: 7.5, progressPercentage: 75 });
    const back = (await me().send('POST', path, { delta: -100 })).json().goal;
    expect(back).toMatchObject({ currentValue: 0, progressPercentage: 0 });
    const done = (await me().send('POST', path, { delta: 11 })).json().goal;
    expect(done).toMatchObject({ currentValue: 11, progressPercentage: 100, status: 'COMPLETED' });
    expect(done.completedAt).toEqual(expect.any(String));

    const ended = await me().send('POST', path, { delta: 1 });
    expect(ended.statusCode).toBe(409);
    expect(ended.json()).toMatchObject({ code: 'GOAL_NOT_ACTIVE', detail: 'The goal is COMPLETED; only an active goal takes progress.' });
    expect((await me().send('POST', path, { value: 1, delta: 1 })).statusCode).toBe(400);
  });

  it('counts every one of several progress deltas sent at once, and completes the goal once', async () => {
    const goal = await create({
      title: 'Twelve lessons',
      goalType: 'CUSTOM',
      targetValue: 12,
      startDate: '2030-01-01',
      targetDate: '2030-12-31',
    });
    const path = `/users/me/goals/${goal.id}/progress`;
    const answers = await Promise.all(Array.from({ length: 12 }, () => me().send('POST', path, { delta: 1 })));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(12).fill(200));
    const after = (await me().send('GET', `/users/me/goals/${goal.id}`)).json().goal;
    expect(after).toMatchObject({ currentValue: 12, progressPercentage: 100, status: 'COMPLETED' });
    const completions = answers.filter((answer) => answer.json().goal.status === 'COMPLETED' && answer.json().goal.currentValue === 12);
    expect(completions).toHaveLength(1);
  });

  it('moves ACTIVE ⇄ PAUSED and on to COMPLETED or CANCELLED; anything else is a 409 naming both states', async () => {
    const goal = await create({ title: 'Certify', goalType: 'CERTIFICATION', startDate: '2030-01-01', targetDate: '2030-06-01' });
    const status = (value: string) => me().send('PATCH', `/users/me/goals/${goal.id}`, { status: value });
    expect((await status('PAUSED')).json().goal.status).toBe('PAUSED');
    const paused = await me().send('POST', `/users/me/goals/${goal.id}/progress`, { value: 1 });
    expect(paused.json().code).toBe('GOAL_NOT_ACTIVE');
    expect((await status('ACTIVE')).json().goal.status).toBe('ACTIVE');
    const completed = (await status('COMPLETED')).json().goal;
    expect(completed.completedAt).toEqual(expect.any(String));
    const reopened = await status('ACTIVE');
    expect(reopened.statusCode).toBe(409);
    expect(reopened.json()).toMatchObject({ code: 'GOAL_TRANSITION_NOT_ALLOWED', detail: 'A goal cannot move from COMPLETED to ACTIVE.' });

    const other = await create({ title: 'Drop me', goalType: 'CUSTOM', startDate: '2030-01-01', targetDate: '2030-06-01' });
    expect((await me().send('PATCH', `/users/me/goals/${other.id}`, { status: 'CANCELLED' })).json().goal.status).toBe('CANCELLED');
    const revived = await me().send('PATCH', `/users/me/goals/${other.id}`, { status: 'PAUSED' });
    expect(revived.json().detail).toBe('A goal cannot move from CANCELLED to PAUSED.');
    // Staying where it is, is no move at all.
    expect((await me().send('PATCH', `/users/me/goals/${other.id}`, { status: 'CANCELLED' })).statusCode).toBe(200);
  });

  it('filters by status, type, priority and due date, and sorts by target date or priority', async () => {
    const owner = s.classmate;
    const as = s.as(owner);
    for (const [title, priority, targetDate, goalType] of [
      ['a', 'LOW', '2031-05-01', 'CUSTOM'],
      ['b', 'URGENT', '2031-02-01', 'CUSTOM'],
      ['c', 'HIGH', '2031-03-01', 'SKILL_DEVELOPMENT'],
    ]) {
      await as.send('POST', '/users/me/goals', { title, priority, targetDate, goalType, startDate: '2031-01-01' });
    }
    const titles = async (query: string) =>
      ((await as.send('GET', `/users/me/goals?${query}`)).json().data as { title: string }[]).map((goal) => goal.title);
    expect(await titles('')).toEqual(['b', 'c', 'a']);
    expect(await titles('sort=priority&order=desc')).toEqual(['b', 'c', 'a']);
    expect(await titles('sort=priority')).toEqual(['a', 'c', 'b']);
    expect(await titles('sort=targetDate&order=desc')).toEqual(['a', 'c', 'b']);
    expect(await titles('type=CUSTOM')).toEqual(['b', 'a']);
    expect(await titles('priority=HIGH')).toEqual(['c']);
    expect(await titles('dueBefore=2031-03-01')).toEqual(['b', 'c']);
    expect(await titles('dueAfter=2031-03-01&dueBefore=2031-12-31')).toEqual(['c', 'a']);
    expect(await titles('status=COMPLETED')).toEqual([]);
    // Page by page, one goal each, in every order: each goal once, in the order of the whole list.
    for (const query of ['', 'sort=priority&order=desc', 'sort=priority', 'sort=targetDate&order=desc', 'sort=createdAt&order=desc']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const after: string = cursor ? `&cursor=${cursor}` : '';
        const page = (await s.as(s.instructor).send('GET', `/users/${owner.userId}/goals?limit=1&${query}${after}`)).json();
        expect(page.data).toHaveLength(1);
        seen.push(page.data[0].title);
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(query === 'sort=createdAt&order=desc' ? ['c', 'b', 'a'] : await titles(query));
    }
  });

  it('refuses a cursor of another order, or one whose sort value is not of that order', async () => {
    const as = s.as(s.classmate);
    const first = (await as.send('GET', '/users/me/goals?limit=1&sort=priority')).json();
    expect(first.nextCursor).toEqual(expect.any(String));
    const refused = await as.send('GET', `/users/me/goals?limit=1&sort=targetDate&cursor=${first.nextCursor}`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'INVALID_CURSOR' });
    const forged = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const id = first.data[0].id;
    for (const [sort, value] of [
      ['targetDate', '2031-02-30'],
      ['targetDate', 'yesterday'],
      ['priority', 'SOMEDAY'],
      ['createdAt', '2031-13-01T00:00:00.000000Z'],
      ['createdAt', "2031-01-01'; drop table user_goals; --"],
    ]) {
      const answer = await as.send('GET', `/users/me/goals?sort=${sort}&cursor=${forged([sort, 'asc', value, id])}`);
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ code: 'INVALID_CURSOR' });
    }
  });

  it('reads, edits and deletes; tenancy and ownership hold', async () => {
    const goal = await create({ title: 'Mine', goalType: 'CUSTOM', startDate: '2030-01-01', targetDate: '2030-06-01' });
    expect((await me().send('GET', `/users/me/goals/${goal.id}`)).json().goal.title).toBe('Mine');
    const edited = await s
      .as(s.instructor)
      .send('PATCH', `/users/${s.learner.userId}/goals/${goal.id}`, { priority: 'HIGH', targetValue: 4 });
    expect(edited.json().goal).toMatchObject({ priority: 'HIGH', targetValue: 4 });

    expect((await s.as(s.classmate).send('GET', `/users/${s.learner.userId}/goals/${goal.id}`)).statusCode).toBe(403);
    expect((await s.as(s.classmate).send('GET', `/users/me/goals/${goal.id}`)).json().code).toBe('GOAL_NOT_FOUND');
    for (const [method, url, body] of [
      ['GET', `/users/${s.learner.userId}/goals`],
      ['GET', `/users/${s.learner.userId}/goals/${goal.id}`],
      ['POST', `/users/${s.learner.userId}/goals`, { title: 'x', goalType: 'CUSTOM', targetDate: '2999-01-01' }],
      ['PATCH', `/users/${s.learner.userId}/goals/${goal.id}`, { title: 'x' }],
      ['POST', `/users/${s.learner.userId}/goals/${goal.id}/progress`, { value: 1 }],
      ['DELETE', `/users/${s.learner.userId}/goals/${goal.id}`],
    ] as const) {
      const res = await s.as(s.instructorB).send(method, url, body);
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 404, 'USER_NOT_FOUND']);
    }
    expect((await me().send('DELETE', `/users/me/goals/${goal.id}`)).statusCode).toBe(204);
    expect((await me().send('GET', `/users/me/goals/${goal.id}`)).json().code).toBe('GOAL_NOT_FOUND');
  });
});
