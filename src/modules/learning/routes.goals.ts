import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { userErrors } from '../users/errors.js';
import { learningErrors as errors } from './errors.js';
import {
  CreateGoalBody,
  GoalEnvelope,
  GoalList,
  GoalListQuery,
  GoalParams,
  LearnerParams,
  ProgressBody,
  UpdateGoalBody,
} from './schemas.js';
import type { LearningService } from './service.js';

const operation = operations(['learning']);
const read = requirePermissionOrSelf('learning:read');
const manage = requirePermissionOrSelf('learning:manage');
const missing = [userErrors.USER_NOT_FOUND, errors.GOAL_NOT_FOUND];

/** The goals of a user (`:id` may be `me`): a target, progress towards it, a timeline, a priority. */
export const goalRoutes: FastifyPluginAsyncTypebox<{ learning: LearningService }> = async (app, { learning: { goals } }) => {
  app.get(
    '/users/:id/goals',
    operation(read, {
      description:
        "The goals of a user (`me` for your own), filtered by status, type, priority or due date. Pass the answer's `nextCursor` back as `cursor` (with the same sort and order) for the next page.",
      summary: "A user's goals: by status, type, priority, due date; sorted by target date or priority",
      params: LearnerParams,
      querystring: GoalListQuery,
      response: { 200: GoalList, ...problems(userErrors.USER_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => goals.list(signedIn(request.caller), request.params.id, request.query),
  );

  app.post(
    '/users/:id/goals',
    operation(manage, {
      description: 'A new ACTIVE goal of a user (`me` for your own) with a target, a start and a target date, and a priority.',
      summary: 'Set a goal (targetDate on or after startDate)',
      params: LearnerParams,
      body: CreateGoalBody,
      response: { 201: GoalEnvelope, ...problems(userErrors.USER_NOT_FOUND) },
    }),
    async (request) => ({ goal: await goals.create(signedIn(request.caller), request.params.id, request.body) }),
  );

  app.get(
    '/users/:id/goals/:goalId',
    operation(read, {
      description: 'One goal of the user, with its target, progress and dates.',
      summary: 'One goal',
      params: GoalParams,
      response: { 200: GoalEnvelope, ...problems(...missing) },
    }),
    async (request) => ({ goal: await goals.get(signedIn(request.caller), request.params.id, request.params.goalId) }),
  );

  app.patch(
    '/users/:id/goals/:goalId',
    operation(manage, {
      description:
        'Changes the fields given. A status change outside ACTIVE ⇄ PAUSED → COMPLETED or CANCELLED answers GOAL_TRANSITION_NOT_ALLOWED.',
      summary: 'Change a goal; status moves ACTIVE ⇄ PAUSED, then to COMPLETED or CANCELLED',
      params: GoalParams,
      body: UpdateGoalBody,
      response: { 200: GoalEnvelope, ...problems(...missing, errors.GOAL_TRANSITION_NOT_ALLOWED) },
    }),
    async (request) => ({ goal: await goals.update(signedIn(request.caller), request.params.id, request.params.goalId, request.body) }),
  );

  app.post(
    '/users/:id/goals/:goalId/progress',
    operation(manage, {
      description: 'Only an ACTIVE goal takes progress (GOAL_NOT_ACTIVE).',
      summary: 'Record progress: the new `value`, or a `delta`; reaching the target completes the goal',
      params: GoalParams,
      body: ProgressBody,
      response: { 200: GoalEnvelope, ...problems(...missing, errors.GOAL_NOT_ACTIVE) },
    }),
    async (request) => ({ goal: await goals.progress(signedIn(request.caller), request.params.id, request.params.goalId, request.body) }),
  );

  app.delete(
    '/users/:id/goals/:goalId',
    operation(manage, {
      description: 'Deletes the goal for good.',
      summary: 'Delete a goal',
      params: GoalParams,
      response: { 204: NoContent, ...problems(...missing) },
    }),
    async (request) => {
      await goals.remove(signedIn(request.caller), request.params.id, request.params.goalId);
    },
  );
};
