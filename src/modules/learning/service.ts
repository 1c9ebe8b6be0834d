import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { ExportPart } from '../users/service.js';
import { createActivityLog } from './activity-log.js';
import { createGoals } from './goals.js';
import { createLearners, type LearningDeps } from './learners.js';
import { activitiesOf } from './queries.activities.js';
import { goalsOf } from './queries.goals.js';
import { skillsOf } from './queries.skills.js';
import { learningEventsOf } from './queries.stats.js';
import { createSkills } from './skills.js';
import { createStatistics } from './statistics.js';

export type { LearningDeps } from './learners.js';

/** A user's rows of one table for their GDPR export, without the user id every row repeats. */
const ownRows =
  (read: (executor: Executor, userId: string) => Promise<{ userId: string }[]>): ExportPart =>
  async (executor, userId) =>
    (await read(executor, userId)).map(({ userId: _userId, ...row }) => row);

/**
 * Seed 002's learning records: skills, goals, the activity log and the statistics. Every change any
 * module makes that seed 002 names an activity is logged in its own transaction (`activity.record`, an
 * event writer the module wiring registers), and every sign-in counts toward the statistics (a reaction to `auth.login`).
 */
export function createLearningService(context: AppContext, deps: LearningDeps) {
  const db = context.database.primary;
  const learners = createLearners(deps);
  const activity = createActivityLog(db, learners, context.config.ACTIVITY_RETENTION_DAYS);
  const statistics = createStatistics(db, learners);
  deps.useCases.react(['auth.login'], async (tx, event) => {
    if (event.actorId) await statistics.recordSignIn(tx, event.actorId);
  });
  return {
    skills: createSkills(db, learners),
    goals: createGoals(db, learners),
    activity,
    statistics,
    /** What learning holds about a user, for their export (ip and agent of activities included: they are theirs). */
    exportParts: {
      skills: ownRows(skillsOf),
      goals: ownRows(goalsOf),
      activities: ownRows(activitiesOf),
      learningEvents: ownRows(learningEventsOf),
    } satisfies Record<string, ExportPart>,
  };
}

export type LearningService = ReturnType<typeof createLearningService>;
