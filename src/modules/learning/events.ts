import { event } from '../../platform/events.js';

/** Changed fields, before → after; an update that changes nothing is not an event. */
export type Changes = { before: Record<string, unknown>; after: Record<string, unknown> };
/** Every learning event names the learner, so the activity log knows whose it is. */
type OfUser = { userId: string };
type Skill = OfUser & { skillName: string };
type Goal = OfUser & { title: string };

/**
 * Skills, goals and the learning events other services report. Events about a skill or goal carry its
 * id as `entityId` and the learner in the payload; `organizationId` is the learner's.
 */
export const learningEvents = {
  'skill.added': event<Skill & { category: string; proficiency: string }>('skill'),
  'skill.updated': event<Skill & Changes>('skill'),
  'skill.removed': event<Skill>('skill'),
  'skill.verified': event<Skill & { evidenceType: string | null }>('skill'),
  'skill.verification_withdrawn': event<Skill>('skill'),
  'goal.created': event<Goal & { goalType: string }>('goal'),
  'goal.updated': event<Goal & Changes>('goal'),
  'goal.deleted': event<Goal>('goal'),
  // A batch names only how many of each type were new: the events themselves are stored, not audited.
  'learning.events_recorded': event<OfUser & { recorded: number; duplicates: number; types: Record<string, number> }>('user'),
} as const;
