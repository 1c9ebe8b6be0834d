import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operations } from '../../http/operation.js';
import { authenticated, requirePermission, requirePermissionOrSelf, signedIn } from '../../http/route-policy.js';
import { NoContent, problems } from '../../http/schemas.js';
import { pagingErrors } from '../../platform/paging.js';
import { userErrors } from '../users/errors.js';
import { learningErrors as errors } from './errors.js';
import {
  CatalogQuery,
  CreateSkillBody,
  LearnerParams,
  SkillCatalog,
  SkillEnvelope,
  SkillList,
  SkillListQuery,
  SkillParams,
  UpdateSkillBody,
  VerifySkillBody,
} from './schemas.js';
import type { LearningService } from './service.js';

const operation = operations(['learning']);
const read = requirePermissionOrSelf('learning:read');
const manage = requirePermissionOrSelf('learning:manage');
const missing = [userErrors.USER_NOT_FOUND, errors.SKILL_NOT_FOUND];

/** The skills of a user (`:id` may be `me`); verification is someone else's to give. */
export const skillRoutes: FastifyPluginAsyncTypebox<{ learning: LearningService }> = async (app, { learning: { skills } }) => {
  app.get(
    '/users/:id/skills',
    operation(read, {
      description:
        "The skills of a user (`me` for your own), with proficiency and verification, by name. Pass the answer's `nextCursor` back as `cursor` for the next page.",
      summary: "A user's skills, filtered by category, proficiency or verification",
      params: LearnerParams,
      querystring: SkillListQuery,
      response: { 200: SkillList, ...problems(userErrors.USER_NOT_FOUND, pagingErrors.INVALID_CURSOR) },
    }),
    async (request) => skills.list(signedIn(request.caller), request.params.id, request.query),
  );

  app.post(
    '/users/:id/skills',
    operation(manage, {
      description:
        'Adds a skill with a category and a proficiency. A name the user already has, in any case, answers SKILL_ALREADY_EXISTS.',
      summary: 'Add a skill (one per name, whatever its case); your own are self-assessed',
      params: LearnerParams,
      body: CreateSkillBody,
      response: { 201: SkillEnvelope, ...problems(userErrors.USER_NOT_FOUND, errors.SKILL_ALREADY_EXISTS) },
    }),
    async (request) => ({ skill: await skills.add(signedIn(request.caller), request.params.id, request.body) }),
  );

  app.get(
    '/users/:id/skills/:skillId',
    operation(read, {
      description: 'One skill with its proficiency and verification.',
      summary: 'One skill',
      params: SkillParams,
      response: { 200: SkillEnvelope, ...problems(...missing) },
    }),
    async (request) => ({ skill: await skills.get(signedIn(request.caller), request.params.id, request.params.skillId) }),
  );

  app.patch(
    '/users/:id/skills/:skillId',
    operation(manage, {
      description: 'Changes the fields given. A changed proficiency needs verifying again.',
      summary: 'Change a skill; a new proficiency clears its verification',
      params: SkillParams,
      body: UpdateSkillBody,
      response: { 200: SkillEnvelope, ...problems(...missing, errors.SKILL_ALREADY_EXISTS) },
    }),
    async (request) => ({
      skill: await skills.update(signedIn(request.caller), request.params.id, request.params.skillId, request.body),
    }),
  );

  app.delete(
    '/users/:id/skills/:skillId',
    operation(manage, {
      description: "Deletes the skill from the user's record.",
      summary: 'Remove a skill',
      params: SkillParams,
      response: { 204: NoContent, ...problems(...missing) },
    }),
    async (request) => {
      await skills.remove(signedIn(request.caller), request.params.id, request.params.skillId);
    },
  );

  app.post(
    '/users/:id/skills/:skillId/verify',
    operation(requirePermission('learning:manage'), {
      description:
        "Marks another user's skill verified by you, with optional evidence. Your own skills are not yours to verify (CANNOT_VERIFY_OWN_SKILL).",
      summary: "Verify someone else's skill, optionally with evidence",
      params: SkillParams,
      body: VerifySkillBody,
      response: { 200: SkillEnvelope, ...problems(...missing, errors.CANNOT_VERIFY_OWN_SKILL) },
    }),
    async (request) => ({
      skill: await skills.verify(signedIn(request.caller), request.params.id, request.params.skillId, request.body ?? {}),
    }),
  );

  app.delete(
    '/users/:id/skills/:skillId/verify',
    operation(requirePermission('learning:manage'), {
      description: 'Clears the verification of a skill; the skill stays.',
      summary: 'Withdraw the verification of a skill',
      params: SkillParams,
      response: { 200: SkillEnvelope, ...problems(...missing) },
    }),
    async (request) => ({
      skill: await skills.withdrawVerification(signedIn(request.caller), request.params.id, request.params.skillId),
    }),
  );

  app.get(
    '/skills/catalog',
    operation(authenticated, {
      description: 'For an autocomplete: the skill names and categories people in your organization hold, with how many hold each.',
      summary: 'Skill names and categories in use in your organization, with how many hold each (autocomplete: `q` anywhere in the name)',
      querystring: CatalogQuery,
      response: { 200: SkillCatalog },
    }),
    async (request) => skills.catalog(signedIn(request.caller), request.query.q, request.query.limit),
  );
};
