import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { createdAt, id, ownedBy, tstz, updatedAt } from './common.js';
import { users } from './users.js';

export const difficultyLevel = pgEnum('difficulty_level', ['BEGINNER', 'INTERMEDIATE', 'ADVANCED', 'EXPERT']);
export const pacePreference = pgEnum('pace_preference', ['SLOW', 'MODERATE', 'FAST', 'SELF_PACED']);
export const reminderFrequency = pgEnum('reminder_frequency', ['DAILY', 'WEEKLY', 'MONTHLY', 'NEVER']);
export const fontSize = pgEnum('font_size', ['SMALL', 'MEDIUM', 'LARGE', 'EXTRA_LARGE']);
export const proficiencyLevel = pgEnum('proficiency_level', ['NOVICE', 'BEGINNER', 'INTERMEDIATE', 'ADVANCED', 'EXPERT']);
export const goalType = pgEnum('goal_type', [
  'LEARNING_TIME',
  'COURSE_COMPLETION',
  'SKILL_DEVELOPMENT',
  'CERTIFICATION',
  'ASSESSMENT_SCORE',
  'CUSTOM',
]);
export const goalStatus = pgEnum('goal_status', ['ACTIVE', 'COMPLETED', 'PAUSED', 'CANCELLED']);
export const priority = pgEnum('priority', ['LOW', 'MEDIUM', 'HIGH', 'URGENT']);
export const activityType = pgEnum('activity_type', [
  'PROFILE_UPDATED',
  'PREFERENCES_CHANGED',
  'GOAL_CREATED',
  'GOAL_UPDATED',
  'SKILL_ADDED',
  'SKILL_VERIFIED',
  'AVATAR_UPLOADED',
  'PASSWORD_CHANGED',
  'EMAIL_CHANGED',
]);

const userRef = () => ownedBy('user_id', () => users.id);

export const learningPreferences = pgTable('learning_preferences', {
  id: id(),
  userId: userRef().unique('learning_preferences_user_id_unique'),
  // VARK learning-style scores, each 0.0 – 1.0.
  visualScore: doublePrecision('visual_score').notNull().default(0.5),
  auditoryScore: doublePrecision('auditory_score').notNull().default(0.5),
  readingScore: doublePrecision('reading_score').notNull().default(0.5),
  kinestheticScore: doublePrecision('kinesthetic_score').notNull().default(0.5),
  preferredContentTypes: text('preferred_content_types').array().notNull().default(sql`'{}'::text[]`),
  difficultyPreference: difficultyLevel('difficulty_preference').notNull().default('INTERMEDIATE'),
  pacePreference: pacePreference('pace_preference').notNull().default('MODERATE'),
  preferredStudyTime: varchar('preferred_study_time', { length: 20 }),
  dailyStudyGoal: integer('daily_study_goal'),
  weeklyStudyGoal: integer('weekly_study_goal'),
  reminderEnabled: boolean('reminder_enabled').notNull().default(true),
  reminderFrequency: reminderFrequency('reminder_frequency').notNull().default('DAILY'),
  reminderTime: varchar('reminder_time', { length: 5 }),
  fontSize: fontSize('font_size').notNull().default('MEDIUM'),
  highContrast: boolean('high_contrast').notNull().default(false),
  screenReader: boolean('screen_reader').notNull().default(false),
  closedCaptions: boolean('closed_captions').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const learningStats = pgTable('learning_stats', {
  id: id(),
  userId: userRef().unique('learning_stats_user_id_unique'),
  totalCoursesEnrolled: integer('total_courses_enrolled').notNull().default(0),
  coursesCompleted: integer('courses_completed').notNull().default(0),
  coursesInProgress: integer('courses_in_progress').notNull().default(0),
  // Sums of values each event may make large (up to a day's minutes, a million points): bigint, exact in JS up to 2^53.
  totalLearningTime: bigint('total_learning_time', { mode: 'number' }).notNull().default(0),
  thisWeekLearningTime: integer('this_week_learning_time').notNull().default(0),
  thisMonthLearningTime: integer('this_month_learning_time').notNull().default(0),
  averageScore: doublePrecision('average_score'),
  highestScore: doublePrecision('highest_score'),
  totalAssessmentsTaken: integer('total_assessments_taken').notNull().default(0),
  assessmentsPassed: integer('assessments_passed').notNull().default(0),
  loginStreak: integer('login_streak').notNull().default(0),
  longestLoginStreak: integer('longest_login_streak').notNull().default(0),
  totalLogins: integer('total_logins').notNull().default(0),
  certificatesEarned: integer('certificates_earned').notNull().default(0),
  badgesEarned: integer('badges_earned').notNull().default(0),
  pointsEarned: bigint('points_earned', { mode: 'number' }).notNull().default(0),
  lastActivity: tstz('last_activity'),
  lastCourseAccessed: uuid('last_course_accessed'),
  lastLessonCompleted: uuid('last_lesson_completed'),
  weekStartDate: date('week_start_date'),
  monthStartDate: date('month_start_date'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const userSkills = pgTable(
  'user_skills',
  {
    id: id(),
    userId: userRef(),
    skillName: varchar('skill_name', { length: 100 }).notNull(),
    skillCategory: varchar('skill_category', { length: 100 }).notNull(),
    proficiencyLevel: proficiencyLevel('proficiency_level').notNull(),
    selfAssessed: boolean('self_assessed').notNull().default(true),
    verified: boolean('verified').notNull().default(false),
    verifiedBy: uuid('verified_by').references(() => users.id, { onDelete: 'set null' }),
    verifiedAt: tstz('verified_at'),
    evidenceType: varchar('evidence_type', { length: 50 }),
    evidenceUrl: varchar('evidence_url', { length: 500 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One row per skill name and user, whatever its case.
    uniqueIndex('user_skills_user_name_unique').on(t.userId, sql`lower(${t.skillName})`),
    index('user_skills_category_idx').on(t.skillCategory),
    // The skill catalogue's autocomplete (`?q=`): substring matches from the index, not a scan.
    index('user_skills_name_trgm_idx').using('gin', sql`lower(${t.skillName}) gin_trgm_ops`),
  ],
);

export const userGoals = pgTable(
  'user_goals',
  {
    id: id(),
    userId: userRef(),
    title: varchar('title', { length: 200 }).notNull(),
    description: text('description'),
    goalType: goalType('goal_type').notNull(),
    targetValue: doublePrecision('target_value'),
    currentValue: doublePrecision('current_value').notNull().default(0),
    unit: varchar('unit', { length: 30 }),
    startDate: date('start_date').notNull(),
    targetDate: date('target_date').notNull(),
    completedAt: tstz('completed_at'),
    status: goalStatus('status').notNull().default('ACTIVE'),
    priority: priority('priority').notNull().default('MEDIUM'),
    progressPercentage: doublePrecision('progress_percentage').notNull().default(0),
    lastProgressUpdate: tstz('last_progress_update'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('user_goals_user_status_idx').on(t.userId, t.status),
    index('user_goals_status_idx').on(t.status),
    index('user_goals_target_date_idx').on(t.targetDate),
  ],
);

export const userActivities = pgTable(
  'user_activities',
  {
    id: id(),
    userId: userRef(),
    activityType: activityType('activity_type').notNull(),
    activityData: jsonb('activity_data'),
    ipAddress: varchar('ip_address', { length: 45 }),
    userAgent: text('user_agent'),
    deviceType: varchar('device_type', { length: 30 }),
    createdAt: createdAt(),
  },
  (t) => [
    // Keyset pages of one user's log, newest first, with or without a type filter.
    index('user_activities_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc()),
    index('user_activities_user_type_created_idx').on(t.userId, t.activityType, t.createdAt.desc(), t.id.desc()),
    // Retention deletes the oldest rows first.
    index('user_activities_created_at_idx').on(t.createdAt),
  ],
);

export const learningEventType = pgEnum('learning_event_type', [
  'course.enrolled',
  'course.completed',
  'lesson.completed',
  'assessment.completed',
  'certificate.earned',
  'badge.earned',
  'points.earned',
]);

/** What other services reported a learner did; the id is theirs, so a retried batch is recognised. */
export const learningEvents = pgTable(
  'learning_events',
  {
    userId: userRef(),
    eventId: varchar('event_id', { length: 100 }).notNull(),
    type: learningEventType('type').notNull(),
    occurredAt: tstz('occurred_at').notNull(),
    // The day it happened in the learner's timezone when it arrived: the day it counts for.
    day: date('day').notNull(),
    courseId: uuid('course_id'),
    lessonId: uuid('lesson_id'),
    minutes: integer('minutes'),
    score: doublePrecision('score'),
    passed: boolean('passed'),
    points: integer('points'),
    // The certificate's, badge's or assessment's id in the reporting service.
    reference: varchar('reference', { length: 100 }),
    receivedAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'learning_events_pk', columns: [t.userId, t.eventId] }),
    index('learning_events_user_occurred_idx').on(t.userId, t.occurredAt.desc()),
  ],
);

/**
 * One row per user and day (in the user's timezone) on which they signed in or learned: the week and
 * month windows and the streaks are sums and runs over these rows, whatever order the events came in.
 */
export const learningDays = pgTable(
  'learning_days',
  {
    userId: userRef(),
    day: date('day').notNull(),
    logins: integer('logins').notNull().default(0),
    lessons: integer('lessons').notNull().default(0),
    minutes: integer('minutes').notNull().default(0),
    assessments: integer('assessments').notNull().default(0),
    // Exact decimal sums, so the average score is the same in whatever order scores arrive.
    scoreSum: numeric('score_sum').notNull().default('0'),
  },
  (t) => [primaryKey({ name: 'learning_days_pk', columns: [t.userId, t.day] })],
);
