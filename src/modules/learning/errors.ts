import { defineErrors } from '../../http/errors.js';

export const learningErrors = defineErrors({
  SKILL_NOT_FOUND: [404, 'Skill not found.'],
  GOAL_NOT_FOUND: [404, 'Goal not found.'],
  SKILL_ALREADY_EXISTS: [409, 'The user already has a skill with this name.'],
  CANNOT_VERIFY_OWN_SKILL: [403, 'Someone else must verify your skills.'],
  GOAL_TRANSITION_NOT_ALLOWED: [409, 'The goal cannot move to this status.'],
  GOAL_NOT_ACTIVE: [409, 'Only an active goal takes progress.'],
});
