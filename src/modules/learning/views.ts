import { isoOrNull } from '../../platform/dates.js';
import type { ActivityRow } from './queries.activities.js';
import type { GoalRow } from './queries.goals.js';
import type { SkillRow } from './queries.skills.js';
import type { StatsRow } from './queries.stats.js';
import type { Stats } from './schemas.analytics.js';

export const skillView = (row: SkillRow) => ({
  ...row,
  verifiedAt: isoOrNull(row.verifiedAt),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const goalView = (row: GoalRow) => ({
  ...row,
  completedAt: isoOrNull(row.completedAt),
  lastProgressUpdate: isoOrNull(row.lastProgressUpdate),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const activityView = (row: ActivityRow) => ({
  id: row.id,
  activityType: row.activityType,
  activityData: (row.activityData ?? null) as Record<string, unknown> | null,
  deviceType: row.deviceType,
  createdAt: row.createdAt.toISOString(),
});

/** Statistics of someone nothing has been recorded for yet. */
const noStats: Stats = {
  totalCoursesEnrolled: 0,
  coursesCompleted: 0,
  coursesInProgress: 0,
  totalLearningTime: 0,
  thisWeekLearningTime: 0,
  thisMonthLearningTime: 0,
  averageScore: null,
  highestScore: null,
  totalAssessmentsTaken: 0,
  assessmentsPassed: 0,
  loginStreak: 0,
  longestLoginStreak: 0,
  totalLogins: 0,
  certificatesEarned: 0,
  badgesEarned: 0,
  pointsEarned: 0,
  lastActivity: null,
  lastCourseAccessed: null,
  lastLessonCompleted: null,
  weekStartDate: null,
  monthStartDate: null,
};

export function statsView(row: StatsRow | undefined): Stats {
  if (!row) return noStats;
  const picked = Object.fromEntries(Object.keys(noStats).map((key) => [key, row[key as keyof StatsRow]]));
  return { ...(picked as Stats), lastActivity: isoOrNull(row.lastActivity) };
}
