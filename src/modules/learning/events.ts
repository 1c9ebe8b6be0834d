import { type TProperties, Type } from '@sinclair/typebox';
import { Nullable } from '../../http/schemas.js';
import { payload, publicEvent } from '../../platform/events.js';

const Fields = Type.Record(Type.String(), Type.Unknown());
/** Every learning event names the learner, so the activity log knows whose it is. */
const ofUser = <P extends TProperties>(properties: P) => payload({ userId: Type.String(), ...properties });
const skill = <P extends TProperties>(properties: P) => ofUser({ skillName: Type.String(), ...properties });
const goal = <P extends TProperties>(properties: P) => ofUser({ title: Type.String(), ...properties });
/** Changed fields, before → after; an update that changes nothing is not an event. */
const changed = { before: Fields, after: Fields };

/**
 * Skills, goals and the learning events other services report: all public (learning records). Events about
 * a skill or goal carry its id as `entityId` and the learner in the payload; `organizationId` is the learner's.
 */
export const learningEvents = {
  'skill.added': publicEvent('skill', 1, skill({ category: Type.String(), proficiency: Type.String() })),
  'skill.updated': publicEvent('skill', 1, skill(changed)),
  'skill.removed': publicEvent('skill', 1, skill({})),
  'skill.verified': publicEvent('skill', 1, skill({ evidenceType: Nullable(Type.String()) })),
  'skill.verification_withdrawn': publicEvent('skill', 1, skill({})),
  'goal.created': publicEvent('goal', 1, goal({ goalType: Type.String() })),
  'goal.updated': publicEvent('goal', 1, goal(changed)),
  'goal.deleted': publicEvent('goal', 1, goal({})),
  // A batch names only how many of each type were new: the events themselves are stored, not audited.
  'learning.events_recorded': publicEvent(
    'user',
    1,
    ofUser({ recorded: Type.Integer(), duplicates: Type.Integer(), types: Type.Record(Type.String(), Type.Integer()) }),
  ),
} as const;
