import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { userErrors } from '../users/errors.js';
import { ActivityList, ActivityQuery, LearningEventsBody, RecordedEvents, StatsEnvelope } from './schemas.analytics.js';
import { LearnerParams } from './schemas.js';
import type { LearningService } from './service.js';

const operation = operations(['learning']);

/** The activity log, the statistics, and the learning events other services report to them. */
export const analyticsRoutes: FastifyPluginAsyncTypebox<{ learning: LearningService }> = async (app, { learning }) => {
  app.get(
    '/users/:id/activities',
    operation(requirePermissionOrSelf('learning:read'), {
      description:
        "The user's activities (`me` for your own), filtered by type. Pass the answer's `nextCursor` back as `cursor` for the next page.",
      summary: "A user's activity log, newest first (keyset: pass `nextCursor` back as `cursor`)",
      params: LearnerParams,
      querystring: ActivityQuery,
      response: { 200: ActivityList, ...problems(userErrors.USER_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => learning.activity.list(signedIn(request.caller), request.params.id, request.query),
  );

  app.get(
    '/users/:id/stats',
    operation(requirePermissionOrSelf('learning:read'), {
      description:
        'Totals kept up to date as events arrive: courses enrolled, completed and in progress, learning time, scores and assessments, login streaks, certificates, badges and points.',
      summary: "A user's learning statistics",
      params: LearnerParams,
      response: { 200: StatsEnvelope, ...problems(userErrors.USER_NOT_FOUND) },
    }),
    async (request) => ({ stats: await learning.statistics.get(signedIn(request.caller), request.params.id) }),
  );

  app.post(
    '/users/:id/learning-events',
    operation(requirePermission('learning:manage'), {
      description:
        'For a learning platform: course, lesson and assessment events, each with its own id. An id already recorded is counted as a duplicate and ignored, so a retry never counts twice; the answer carries the updated statistics.',
      summary: 'Report up to 500 learning events of a user (idempotent by event id); the statistics follow at once',
      params: LearnerParams,
      body: LearningEventsBody,
      response: { 200: RecordedEvents, ...problems(userErrors.USER_NOT_FOUND) },
    }),
    async (request) => learning.statistics.record(signedIn(request.caller), request.params.id, request.body.events),
  );
};
