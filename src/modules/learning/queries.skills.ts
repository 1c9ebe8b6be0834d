import { type AnyColumn, and, asc, count, desc, eq, ne, type SQL, sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.js';
import type { Executor } from '../../db/client.js';
import { eachGivenEquals } from '../../db/filters.js';
import { rowsOfOwner } from '../../db/rows.js';
import { userSkills } from '../../db/schema/index.js';
import type { SkillFilter } from './schemas.js';

export type SkillRow = typeof userSkills.$inferSelect;
type NewSkill = typeof userSkills.$inferInsert;

const skillRows = rowsOfOwner(userSkills, userSkills.userId);
const sameName = (name: string) => sql`lower(${userSkills.skillName}) = lower(${name})`;

/** Where a page of skills starts: after this (lower-cased) name and id. */
export interface SkillKey {
  name: string;
  id: string;
}

/**
 * Skills by name, whatever its case, then id; `take` rows after `after`, each with the key a page ending on it
 * continues after (lower-cased by the database, as it sorts).
 */
export function listSkills(db: Executor, userId: string, filter: SkillFilter, take: number, after?: SkillKey) {
  const name = sql<string>`lower(${userSkills.skillName})`;
  return db
    .select({ skill: userSkills, key: { name, id: userSkills.id } })
    .from(userSkills)
    .where(
      and(
        eq(userSkills.userId, userId),
        filter.category ? sql`lower(${userSkills.skillCategory}) = lower(${filter.category})` : undefined,
        eachGivenEquals(filter, { proficiency: userSkills.proficiencyLevel, verified: userSkills.verified }),
        after ? sql`(${name}, ${userSkills.id}) > (${after.name}, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(name), asc(userSkills.id))
    .limit(take);
}

/** A person's skill; another person's id reads as none. */
export const findSkill = skillRows.find;

/** Another skill of the user with this name, whatever its case. */
export async function findSkillNamed(db: Executor, userId: string, name: string, exceptId: string) {
  const [row] = await db
    .select({ id: userSkills.id })
    .from(userSkills)
    .where(and(eq(userSkills.userId, userId), sameName(name), ne(userSkills.id, exceptId)));
  return row;
}

/** Undefined when the user already has a skill of that name (the unique index on its lowercase decides). */
export async function insertSkill(db: Executor, values: NewSkill) {
  const [row] = await db.insert(userSkills).values(values).onConflictDoNothing().returning();
  return row;
}

/**
 * A person's skill, locked for the caller's transaction: a change decided from it (an edit, a verification or its
 * withdrawal) waits for one under way on the same skill, and starts from what that one wrote.
 */
export async function lockSkill(db: Executor, userId: string, id: string) {
  const [row] = await db
    .select()
    .from(userSkills)
    .where(and(eq(userSkills.userId, userId), eq(userSkills.id, id)))
    .for('update');
  return row;
}

export const updateSkill = skillRows.update;
export const deleteSkill = skillRows.remove;

/** `%`, `_` and `\` in a search term are letters, not patterns. */
const likeLiteral = (term: string) => term.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`);

/**
 * Skill names and categories held by the users `holders` admits (users' condition; all without one), with how many hold each.
 * `q` is matched anywhere in the name through the trigram index on `lower(skill_name)`.
 */
export function skillCatalog(db: Executor, holders: ((userId: AnyColumn) => SQL) | undefined, q: string | undefined, limit: number) {
  const conditions: (SQL | undefined)[] = [
    q ? sql`lower(${userSkills.skillName}) LIKE ${`%${likeLiteral(q)}%`}` : undefined,
    holders?.(userSkills.userId),
  ];
  const holding = count();
  return db
    .select({ name: sql<string>`min(${userSkills.skillName})`, category: userSkills.skillCategory, count: holding })
    .from(userSkills)
    .where(and(...conditions))
    .groupBy(sql`lower(${userSkills.skillName})`, userSkills.skillCategory)
    .orderBy(desc(holding), asc(sql`lower(${userSkills.skillName})`))
    .limit(limit);
}

export const skillsOf = (db: Executor, userId: string) => db.select().from(userSkills).where(eq(userSkills.userId, userId));

/** An import's skills, one statement; a skill a user already has (by name, any case) is kept as it is. */
export const addSkillsInBulk = (db: Executor, rows: NewSkill[]) => insertMany(db, userSkills, rows, true);
