import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { ExportPart } from '../users/service.js';
import { createActivityLog } from './activity-log.js';
import { createGoals } from './goals.js';
import { createLearners, type LearningDeps } from './learners.js';
import { activitiesOf } from './queries.activities.js';
import { goalsOf, goalTitles, insertGoalsInBulk } from './queries.goals.js';
import { findPreferences, insertPreferencesInBulk, upsertPreferences } from './queries.preferences.js';
import { addSkillsInBulk, skillsOf } from './queries.skills.js';
import { findStats, learningEventsOf } from './queries.stats.js';
import { createSkills } from './skills.js';
import { createStatistics } from './statistics.js';

export type { LearningDeps } from './learners.js';

/** A user's rows of one table for their GDPR export, without the user id every row repeats. */
const ownRows =
  (read: (executor: Executor, userId: string) => Promise<{ userId: string }[]>): ExportPart =>
  async (executor, userId) =>
    (await read(executor, userId)).map(({ userId: _userId, ...row }) => row);

/**
 * Learning records: skills, goals, the activity log and the statistics. Every change any module makes
 * that is one of the activity types (login, profile update, skill and goal changes …) is logged in its own transaction (`activity.record`, an
 * event writer the module wiring registers), and every sign-in counts toward the statistics (a reaction to `auth.login`).
 */
export function createLearningService(context: AppContext, deps: LearningDeps) {
  const db = context.database.primary;
  const learners = createLearners(deps);
  const activity = createActivityLog(db, learners, context.config.ACTIVITY_RETENTION_DAYS);
  const statistics = createStatistics(db, learners);
  deps.users.registerLearningRecords({
    preferencesOf: findPreferences,
    statsOf: findStats,
    savePreferences: upsertPreferences,
  });
  deps.useCases.react(['auth.login'], async (tx, event) => {
    if (event.actorId) await statistics.recordSignIn(tx, event.actorId);
  });
  return {
    skills: createSkills(db, learners),
    goals: createGoals(db, learners),
    activity,
    statistics,
    /** An import's learning records, set-based, in the import's transaction. */
    imports: {
      insertPreferences: insertPreferencesInBulk,
      savePreferences: upsertPreferences,
      addSkills: addSkillsInBulk,
      insertGoals: insertGoalsInBulk,
      goalTitles,
    },
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
