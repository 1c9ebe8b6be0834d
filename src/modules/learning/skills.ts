import type { Db, Executor } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { changedFields } from '../../platform/changes.js';
import { cursorOf, pageOf } from '../../platform/paging.js';
import { userConditions } from '../users/service.js';
import { learningErrors as errors } from './errors.js';
import type { Learners } from './learners.js';
import * as queries from './queries.skills.js';
import type { CreateSkill, SkillFilter, UpdateSkill, VerifySkill } from './schemas.js';
import { skillView } from './views.js';

const audited = ['skillName', 'skillCategory', 'proficiencyLevel', 'selfAssessed', 'verified', 'evidenceType', 'evidenceUrl'] as const;
const unverified = { verified: false, verifiedBy: null, verifiedAt: null };
/** What a verification vouches for: changing any of them (by anybody) leaves nothing verified. */
const vouchedFor = ['skillName', 'skillCategory', 'proficiencyLevel', 'evidenceType', 'evidenceUrl'] as const;
const changesVouchedFor = (before: queries.SkillRow, body: UpdateSkill) =>
  vouchedFor.some((field) => body[field] !== undefined && body[field] !== before[field]);

/** Cursor of a page of skills: the lower-cased name and id of its last row. */
const skillCursor = cursorOf(['text', 'uuid'] as const);

/** Skills: tracked by the learner, verified (with evidence) by someone else with `learning:manage`. */
export function createSkills(db: Db, { useCases, find }: Learners) {
  async function skillOf(executor: Executor, userId: string, skillId: string) {
    const row = await queries.findSkill(executor, userId, skillId);
    if (!row) throw errors.SKILL_NOT_FOUND();
    return row;
  }

  /**
   * One change to one skill: found among the learner's, written, and emitted as `type` (an edit only
   * when a field changed; `decide` answering nothing means there is nothing to do).
   */
  function change(
    caller: SignedInCaller,
    id: string,
    skillId: string,
    type: 'skill.updated' | 'skill.verified' | 'skill.verification_withdrawn',
    decide: (before: queries.SkillRow, learner: { self: boolean }) => Partial<queries.SkillRow> | undefined,
  ) {
    return useCases.run(caller, async (tx, emit) => {
      const learner = await find(tx, caller, id);
      const before = await queries.lockSkill(tx, learner.id, skillId);
      if (!before) throw errors.SKILL_NOT_FOUND();
      const values = decide(before, learner);
      if (!values) return skillView(before);
      if (values.skillName !== undefined && (await queries.findSkillNamed(tx, learner.id, values.skillName, skillId))) {
        throw errors.SKILL_ALREADY_EXISTS();
      }
      const after = await queries.updateSkill(tx, learner.id, skillId, values);
      if (!after) throw errors.SKILL_NOT_FOUND();
      const ref = { entityId: skillId, organizationId: learner.organizationId };
      const payload = { userId: learner.id, skillName: after.skillName };
      const changes = changedFields(before, after, audited);
      if (type === 'skill.verified') await emit({ type, ...ref, payload: { ...payload, evidenceType: after.evidenceType } });
      else if (type === 'skill.verification_withdrawn') await emit({ type, ...ref, payload });
      else if (changes) await emit({ type, ...ref, payload: { ...payload, ...changes } });
      return skillView(after);
    });
  }

  return {
    async list(caller: SignedInCaller, id: string, filter: SkillFilter) {
      const learner = await find(db, caller, id);
      const limit = filter.limit ?? 20;
      const after = skillCursor.decode(filter.cursor);
      const rows = await queries.listSkills(db, learner.id, filter, limit + 1, after && { name: after[0], id: after[1] });
      return pageOf(
        rows,
        limit,
        ({ skill }) => skillView(skill),
        ({ key }) => skillCursor.encode([key.name, key.id]),
      );
    },

    async get(caller: SignedInCaller, id: string, skillId: string) {
      const learner = await find(db, caller, id);
      return skillView(await skillOf(db, learner.id, skillId));
    },

    async add(caller: SignedInCaller, id: string, body: CreateSkill) {
      return useCases.run(caller, async (tx, emit) => {
        const learner = await find(tx, caller, id);
        const row = await queries.insertSkill(tx, { ...body, userId: learner.id, selfAssessed: learner.self });
        if (!row) throw errors.SKILL_ALREADY_EXISTS();
        await emit({
          type: 'skill.added',
          entityId: row.id,
          organizationId: learner.organizationId,
          payload: { userId: learner.id, skillName: row.skillName, category: row.skillCategory, proficiency: row.proficiencyLevel },
        });
        return skillView(row);
      });
    },

    /** A learner's own edit is self-assessed; a changed name, category, level or evidence needs verifying again. */
    update: (caller: SignedInCaller, id: string, skillId: string, body: UpdateSkill) =>
      change(caller, id, skillId, 'skill.updated', (before, learner) => ({
        ...body,
        selfAssessed: learner.self,
        ...(changesVouchedFor(before, body) ? unverified : {}),
      })),

    /** Someone with `learning:manage` other than the learner vouches for the skill, optionally with evidence. */
    verify: (caller: SignedInCaller, id: string, skillId: string, body: VerifySkill) =>
      change(caller, id, skillId, 'skill.verified', (_before, learner) => {
        if (learner.self) throw errors.CANNOT_VERIFY_OWN_SKILL();
        return { ...body, verified: true, verifiedBy: caller.principal.userId, verifiedAt: new Date() };
      }),

    withdrawVerification: (caller: SignedInCaller, id: string, skillId: string) =>
      change(caller, id, skillId, 'skill.verification_withdrawn', (before) => (before.verified ? unverified : undefined)),

    async remove(caller: SignedInCaller, id: string, skillId: string) {
      await useCases.run(caller, async (tx, emit) => {
        const learner = await find(tx, caller, id);
        const row = await queries.deleteSkill(tx, learner.id, skillId);
        if (!row) throw errors.SKILL_NOT_FOUND();
        const payload = { userId: learner.id, skillName: row.skillName };
        await emit({ type: 'skill.removed', entityId: skillId, organizationId: learner.organizationId, payload });
      });
    },

    /** Skill names in the caller's organization (or everywhere, across tenants), for autocomplete. */
    async catalog(caller: SignedInCaller, q: string | undefined, limit = 20) {
      const { principal } = caller;
      const holders = principal.crossTenant ? undefined : userConditions.inOrganization(principal.organizationId ?? null);
      return { data: await queries.skillCatalog(db, holders, q, limit) };
    },
  };
}
