import { type Static, Type } from '@sinclair/typebox';
import { goalStatus, goalType, priority, proficiencyLevel } from '../../db/schema/learning.js';
import { formats } from '../../http/formats.js';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.js';
import { Paged, pageQuery } from '../../platform/paging.js';
import { UserIdParams } from '../users/schemas.js';

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((value) => Type.Literal(value)));
const Day = Type.String({ format: 'date' });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const EvidenceUrl = Type.String({ format: formats.httpUrl, maxLength: 500 });
const EvidenceType = Type.String({ minLength: 1, maxLength: 50, description: 'e.g. certificate, assessment, project' });
export const Proficiency = literals(proficiencyLevel.enumValues);
export const GoalStatus = literals(goalStatus.enumValues);
export const GoalType = literals(goalType.enumValues);
export const Priority = literals(priority.enumValues);

const UserRef = UserIdParams.properties.id;
export const LearnerParams = UserIdParams;
export const SkillParams = Type.Object({ id: UserRef, skillId: Uuid });
export const GoalParams = Type.Object({ id: UserRef, goalId: Uuid });

export const SkillView = Type.Object({
  id: Uuid,
  userId: Uuid,
  skillName: Type.String(),
  skillCategory: Type.String(),
  proficiencyLevel: Proficiency,
  selfAssessed: Type.Boolean(),
  verified: Type.Boolean(),
  verifiedBy: Nullable(Uuid),
  verifiedAt: Nullable(Timestamp),
  evidenceType: Nullable(Type.String()),
  evidenceUrl: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const SkillEnvelope = Type.Object({ skill: SkillView });
export const SkillList = Paged(SkillView);
const skillFields = { skillName: Text(100), skillCategory: Text(100), proficiencyLevel: Proficiency };
export const CreateSkillBody = Type.Object(
  { ...skillFields, evidenceType: Type.Optional(EvidenceType), evidenceUrl: Type.Optional(EvidenceUrl) },
  { additionalProperties: false },
);
export const UpdateSkillBody = Type.Partial(
  Type.Object({ ...skillFields, evidenceType: Nullable(EvidenceType), evidenceUrl: Nullable(EvidenceUrl) }),
  { additionalProperties: false, minProperties: 1 },
);
export const VerifySkillBody = Type.Object(
  { evidenceType: Type.Optional(EvidenceType), evidenceUrl: Type.Optional(EvidenceUrl) },
  { additionalProperties: false },
);
export const SkillListQuery = Type.Object(
  { category: Type.Optional(Text(100)), proficiency: Type.Optional(Proficiency), verified: Type.Optional(Type.Boolean()), ...pageQuery() },
  { additionalProperties: false },
);
export const CatalogQuery = Type.Object(
  { q: Type.Optional(Text(100)), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) },
  { additionalProperties: false },
);
export const SkillCatalog = Type.Object({
  data: Type.Array(Type.Object({ name: Type.String(), category: Type.String(), count: Type.Integer() })),
});

export const GoalView = Type.Object({
  id: Uuid,
  userId: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  goalType: GoalType,
  targetValue: Nullable(Type.Number()),
  currentValue: Type.Number(),
  unit: Nullable(Type.String()),
  startDate: Day,
  targetDate: Day,
  completedAt: Nullable(Timestamp),
  status: GoalStatus,
  priority: Priority,
  progressPercentage: Type.Number(),
  lastProgressUpdate: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const GoalEnvelope = Type.Object({ goal: GoalView });
export const GoalList = Paged(GoalView);
const goalFields = {
  title: Text(200),
  description: Nullable(Type.String({ maxLength: 5000 })),
  goalType: GoalType,
  targetValue: Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1e9 })),
  unit: Nullable(Type.String({ minLength: 1, maxLength: 30, description: 'hours, courses, points …' })),
  startDate: Day,
  targetDate: Day,
  priority: Priority,
};
export const CreateGoalBody = Type.Object(
  {
    ...goalFields,
    description: Type.Optional(goalFields.description),
    targetValue: Type.Optional(goalFields.targetValue),
    unit: Type.Optional(goalFields.unit),
    startDate: Type.Optional(Type.String({ format: 'date', description: 'default: today (UTC)' })),
    priority: Type.Optional(Priority),
  },
  { additionalProperties: false },
);
export const UpdateGoalBody = Type.Partial(Type.Object({ ...goalFields, status: GoalStatus }), {
  additionalProperties: false,
  minProperties: 1,
});
const Amount = Type.Number({ minimum: -1e9, maximum: 1e9 });
export const ProgressBody = Type.Union([
  Type.Object({ value: Type.Number({ minimum: 0, maximum: 1e9 }) }, { additionalProperties: false }),
  Type.Object({ delta: Amount }, { additionalProperties: false }),
]);
export const GoalListQuery = Type.Object(
  {
    status: Type.Optional(GoalStatus),
    type: Type.Optional(GoalType),
    priority: Type.Optional(Priority),
    dueBefore: Type.Optional(Day),
    dueAfter: Type.Optional(Day),
    sort: Type.Optional(literals(['targetDate', 'priority', 'createdAt'])),
    order: Type.Optional(literals(['asc', 'desc'])),
    ...pageQuery(),
  },
  { additionalProperties: false },
);

export type CreateSkill = Static<typeof CreateSkillBody>;
export type UpdateSkill = Static<typeof UpdateSkillBody>;
export type VerifySkill = Static<typeof VerifySkillBody>;
export type SkillFilter = Static<typeof SkillListQuery>;
export type CreateGoal = Static<typeof CreateGoalBody>;
export type UpdateGoal = Static<typeof UpdateGoalBody>;
export type Progress = Static<typeof ProgressBody>;
export type GoalFilter = Static<typeof GoalListQuery>;
