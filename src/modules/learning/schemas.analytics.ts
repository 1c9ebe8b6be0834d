import { type Static, Type } from '@sinclair/typebox';
import { activityType } from '../../db/schema/learning.js';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';

export const ActivityType = Type.Union(activityType.enumValues.map((value) => Type.Literal(value)));

/** A user's activity as the API shows it: what and when, from which kind of device (ip and agent stay in the export). */
export const ActivityView = Type.Object({
  id: Uuid,
  activityType: ActivityType,
  activityData: Nullable(Type.Record(Type.String(), Type.Unknown())),
  deviceType: Nullable(Type.String()),
  createdAt: Timestamp,
});
export const ActivityList = Type.Object({ ...Paged(ActivityView).properties, limit: Type.Integer() });
export const ActivityQuery = Type.Object(
  {
    type: Type.Optional(ActivityType),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    ...pageQuery(),
  },
  { additionalProperties: false },
);

const EventId = Type.String({
  pattern: '^[A-Za-z0-9._:-]{1,100}$',
  description: "the reporting service's id: a retried event is recognised by it",
});
const Reference = Type.String({ minLength: 1, maxLength: 100 });
const eventOf = <T extends string, P extends Parameters<typeof Type.Object>[0]>(type: T, fields: P) =>
  Type.Object({ id: EventId, type: Type.Literal(type), occurredAt: Timestamp, ...fields }, { additionalProperties: false });

/** The learning events a course service reports (the learning statistics are made of these). */
export const LearningEvent = Type.Union([
  eventOf('course.enrolled', { courseId: Uuid }),
  eventOf('course.completed', { courseId: Uuid }),
  eventOf('lesson.completed', { lessonId: Uuid, courseId: Uuid, minutes: Type.Integer({ minimum: 0, maximum: 1440 }) }),
  eventOf('assessment.completed', {
    score: Type.Number({ minimum: 0, maximum: 100, description: 'percent' }),
    passed: Type.Boolean(),
    courseId: Type.Optional(Uuid),
    assessmentId: Type.Optional(Reference),
  }),
  eventOf('certificate.earned', { certificateId: Type.Optional(Reference), courseId: Type.Optional(Uuid) }),
  eventOf('badge.earned', { badgeId: Type.Optional(Reference) }),
  eventOf('points.earned', { points: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }),
]);
export const LearningEventsBody = Type.Object(
  { events: Type.Array(LearningEvent, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);

/** A user's learning statistics, by the camelCase names of the learning_stats fields. */
export const StatsView = Type.Object({
  totalCoursesEnrolled: Type.Integer(),
  coursesCompleted: Type.Integer(),
  coursesInProgress: Type.Integer(),
  totalLearningTime: Type.Integer({ description: 'minutes' }),
  thisWeekLearningTime: Type.Integer({ description: "minutes since Monday, in the user's timezone" }),
  thisMonthLearningTime: Type.Integer({ description: "minutes since the 1st, in the user's timezone" }),
  averageScore: Nullable(Type.Number()),
  highestScore: Nullable(Type.Number()),
  totalAssessmentsTaken: Type.Integer(),
  assessmentsPassed: Type.Integer(),
  loginStreak: Type.Integer({ description: 'consecutive days up to today or yesterday with a sign-in or a completed lesson' }),
  longestLoginStreak: Type.Integer(),
  totalLogins: Type.Integer(),
  certificatesEarned: Type.Integer(),
  badgesEarned: Type.Integer(),
  pointsEarned: Type.Integer(),
  lastActivity: Nullable(Timestamp),
  lastCourseAccessed: Nullable(Uuid),
  lastLessonCompleted: Nullable(Uuid),
  weekStartDate: Nullable(Type.String({ format: 'date' })),
  monthStartDate: Nullable(Type.String({ format: 'date' })),
});
export const StatsEnvelope = Type.Object({ stats: StatsView });
export const RecordedEvents = Type.Object({
  recorded: Type.Integer({ description: 'events new to Tessera' }),
  duplicates: Type.Integer({ description: 'events already recorded (by id), ignored' }),
  stats: StatsView,
});

export type LearningEventInput = Static<typeof LearningEvent>;
export type ActivityFilter = Static<typeof ActivityQuery>;
export type Stats = Static<typeof StatsView>;
