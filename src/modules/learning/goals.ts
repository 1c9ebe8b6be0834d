import type { Db } from '../../db/client.js';
import { httpErrors } from '../../http/errors.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import { cursorOf, pageOf, pagingErrors } from '../../platform/paging.js';
import { learningErrors as errors } from './errors.js';
import type { Learners } from './learners.js';
import * as queries from './queries.goals.js';
import type { CreateGoal, GoalFilter, Progress, UpdateGoal } from './schemas.js';
import { goalView } from './views.js';

type Status = queries.GoalRow['status'];

/** ACTIVE ⇄ PAUSED; either ends COMPLETED or CANCELLED, and an ended goal stays ended. */
const next: Record<Status, readonly Status[]> = {
  ACTIVE: ['PAUSED', 'COMPLETED', 'CANCELLED'],
  PAUSED: ['ACTIVE', 'COMPLETED', 'CANCELLED'],
  COMPLETED: [],
  CANCELLED: [],
};

const audited = [
  'title',
  'description',
  'goalType',
  'targetValue',
  'currentValue',
  'unit',
  'startDate',
  'targetDate',
  'status',
  'priority',
  'progressPercentage',
  'completedAt',
] as const;

const percentOf = (current: number, target: number | null) => (target ? Math.min(100, Math.round((current / target) * 10_000) / 100) : 0);

function assertDates(startDate: string, targetDate: string) {
  if (targetDate < startDate) {
    throw httpErrors.VALIDATION_FAILED({
      detail: 'targetDate must be on or after startDate.',
      errors: [{ path: '/targetDate', message: 'must be on or after startDate' }],
    });
  }
}

/** Cursor of a page of goals: the order it was read in, and the sort value and id of its last row. */
const goalCursor = cursorOf(['text', 'text', 'text', 'uuid'] as const);

/** Where the next page starts; a cursor of another order, or with a value that order cannot hold, is not valid. */
function goalKeyOf(cursor: string | undefined, sort: queries.GoalSort, order: string): queries.GoalKey | undefined {
  const parts = goalCursor.decode(cursor);
  if (!parts) return undefined;
  const [cursorSort, cursorOrder, value, id] = parts;
  if (cursorSort !== sort || cursorOrder !== order || !queries.validGoalKey(sort, value)) throw pagingErrors.INVALID_CURSOR();
  return { value, id };
}

/** Learning goals: a target, progress towards it, a timeline and a priority. */
export function createGoals(db: Db, { useCases, find }: Learners) {
  /** One change to one goal, emitted as `goal.updated` with what changed (nothing changed: no event). */
  function change(
    caller: SignedInCaller,
    id: string,
    goalId: string,
    decide: (before: queries.GoalRow) => Partial<queries.GoalRow> | undefined,
  ) {
    return useCases.run(caller, async (tx, emit) => {
      const learner = await find(tx, caller, id);
      const before = await queries.lockGoal(tx, learner.id, goalId);
      if (!before) throw errors.GOAL_NOT_FOUND();
      const values = decide(before);
      const after = values ? await queries.updateGoal(tx, learner.id, goalId, values) : before;
      if (!after) throw errors.GOAL_NOT_FOUND();
      const changes = changedFields(before, after, audited);
      const payload = { userId: learner.id, title: after.title };
      if (changes)
        await emit({ type: 'goal.updated', entityId: goalId, organizationId: learner.organizationId, payload: { ...payload, ...changes } });
      return goalView(after);
    });
  }

  return {
    async list(caller: SignedInCaller, id: string, filter: GoalFilter) {
      const learner = await find(db, caller, id);
      const limit = filter.limit ?? 20;
      const sort = filter.sort ?? 'targetDate';
      const order = filter.order ?? 'asc';
      const rows = await queries.listGoals(db, learner.id, filter, limit + 1, goalKeyOf(filter.cursor, sort, order));
      return pageOf(
        rows,
        limit,
        ({ goal }) => goalView(goal),
        ({ key }) => goalCursor.encode([sort, order, key.value, key.id]),
      );
    },

    async get(caller: SignedInCaller, id: string, goalId: string) {
      const learner = await find(db, caller, id);
      const row = await queries.findGoal(db, learner.id, goalId);
      if (!row) throw errors.GOAL_NOT_FOUND();
      return goalView(row);
    },

    async create(caller: SignedInCaller, id: string, body: CreateGoal, now = new Date()) {
      const startDate = body.startDate ?? now.toISOString().slice(0, 10);
      assertDates(startDate, body.targetDate);
      return useCases.run(caller, async (tx, emit) => {
        const learner = await find(tx, caller, id);
        const row = await queries.insertGoal(tx, { ...body, startDate, userId: learner.id });
        const payload = { userId: learner.id, title: row.title, goalType: row.goalType };
        await emit({ type: 'goal.created', entityId: row.id, organizationId: learner.organizationId, payload });
        return goalView(row);
      });
    },

    update: (caller: SignedInCaller, id: string, goalId: string, body: UpdateGoal, now = new Date()) =>
      change(caller, id, goalId, (before) => {
        assertDates(body.startDate ?? before.startDate, body.targetDate ?? before.targetDate);
        const status = body.status ?? before.status;
        if (status !== before.status && !next[before.status].includes(status)) {
          throw errors.GOAL_TRANSITION_NOT_ALLOWED(`A goal cannot move from ${before.status} to ${status}.`);
        }
        const targetValue = body.targetValue === undefined ? before.targetValue : body.targetValue;
        return {
          ...body,
          progressPercentage: percentOf(before.currentValue, targetValue),
          ...(status === 'COMPLETED' && before.status !== 'COMPLETED' ? { completedAt: now } : {}),
        };
      }),

    /** Sets or moves the current value; reaching the target completes the goal. */
    progress: (caller: SignedInCaller, id: string, goalId: string, body: Progress, now = new Date()) =>
      change(caller, id, goalId, (before) => {
        if (before.status !== 'ACTIVE') throw errors.GOAL_NOT_ACTIVE(`The goal is ${before.status}; only an active goal takes progress.`);
        const currentValue = 'value' in body ? body.value : Math.max(0, before.currentValue + body.delta);
        if (currentValue === before.currentValue) return undefined;
        const reached = before.targetValue !== null && currentValue >= before.targetValue;
        return {
          currentValue,
          progressPercentage: percentOf(currentValue, before.targetValue),
          lastProgressUpdate: now,
          ...(reached ? { status: 'COMPLETED' as const, completedAt: now } : {}),
        };
      }),

    async remove(caller: SignedInCaller, id: string, goalId: string) {
      await useCases.run(caller, async (tx, emit) => {
        const learner = await find(tx, caller, id);
        const row = await queries.deleteGoal(tx, learner.id, goalId);
        if (!row) throw errors.GOAL_NOT_FOUND();
        const payload = { userId: learner.id, title: row.title };
        await emit({ type: 'goal.deleted', entityId: goalId, organizationId: learner.organizationId, payload });
      });
    },
  };
}
