import { inArray, or, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/client.js';
import {
  learningPreferences,
  organizations,
  profiles,
  roles,
  userGoals,
  userRoles,
  userSkills,
  users,
  userTypes,
} from '../../db/schema/index.js';

/**
 * The bulk loader's SQL. An import writes the rows of a user across the onboarding tables (users and
 * profiles, roles, learning records) in set-based statements, as a restore does: one statement per
 * table and batch instead of a use case per user is what makes 100,000 users a matter of seconds.
 */

export type NewUser = typeof users.$inferInsert;

// PostgreSQL takes at most 65,535 parameters a statement; rows are cut into statements well under it.
const MAX_PARAMETERS = 30_000;

async function insertMany<T extends PgTable>(db: Executor, table: T, rows: T['$inferInsert'][], ignoreConflicts = false) {
  if (rows.length === 0) return;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(rows[0] as object).length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const insert = db.insert(table).values(rows.slice(start, start + perStatement));
    await (ignoreConflicts ? insert.onConflictDoNothing() : insert);
  }
}

export const catalogRows = async (db: Executor) => ({
  organizations: await db.select({ id: organizations.id, slug: organizations.slug }).from(organizations),
  userTypes: await db.select({ id: userTypes.id, name: userTypes.name }).from(userTypes),
  roles: await db.select({ id: roles.id, name: roles.name, isDefault: roles.isDefault }).from(roles),
});

export function existingUsers(db: Executor, emails: string[]) {
  if (emails.length === 0) return Promise.resolve([]);
  return db.select({ id: users.id, email: users.email, passwordHash: users.passwordHash }).from(users).where(inArray(users.email, emails));
}

/** Accounts holding any of these usernames (any case) or phones. */
export function holdersOf(db: Executor, usernames: string[], phones: string[]) {
  if (usernames.length === 0 && phones.length === 0) return Promise.resolve([]);
  const lowered = usernames.map((name) => name.toLowerCase());
  return db
    .select({ email: users.email, username: users.username, phone: users.phone })
    .from(users)
    .where(
      or(
        lowered.length ? inArray(sql`lower(${users.username})`, lowered) : undefined,
        phones.length ? inArray(users.phone, phones) : undefined,
      ),
    );
}

export const insertUsers = (db: Executor, rows: NewUser[]) => insertMany(db, users, rows);
export const insertProfiles = (db: Executor, rows: (typeof profiles.$inferInsert)[]) => insertMany(db, profiles, rows);
export const insertPreferences = (db: Executor, rows: (typeof learningPreferences.$inferInsert)[]) =>
  insertMany(db, learningPreferences, rows);
/** Grants already held, and skills a user already has (by name, any case), are kept as they are. */
export const grantRoles = (db: Executor, rows: (typeof userRoles.$inferInsert)[]) => insertMany(db, userRoles, rows, true);
export const addSkills = (db: Executor, rows: (typeof userSkills.$inferInsert)[]) => insertMany(db, userSkills, rows, true);
export const insertGoals = (db: Executor, rows: (typeof userGoals.$inferInsert)[]) => insertMany(db, userGoals, rows);

/** The titles of the goals these users have: an update adds only goals not there yet. */
export function goalTitles(db: Executor, userIds: string[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.select({ userId: userGoals.userId, title: userGoals.title }).from(userGoals).where(inArray(userGoals.userId, userIds));
}

export async function updateUser(db: Executor, id: string, values: Partial<NewUser>) {
  await db.update(users).set(values).where(sql`${users.id} = ${id}`);
}

export async function upsertProfile(db: Executor, values: typeof profiles.$inferInsert) {
  const { userId: _userId, ...changes } = values;
  await db
    .insert(profiles)
    .values(values)
    .onConflictDoUpdate({ target: profiles.userId, set: { ...changes, updatedAt: new Date() } });
}

export async function upsertPreferences(db: Executor, values: typeof learningPreferences.$inferInsert) {
  const { userId: _userId, ...changes } = values;
  await db
    .insert(learningPreferences)
    .values(values)
    .onConflictDoUpdate({ target: learningPreferences.userId, set: { ...changes, updatedAt: new Date() } });
}
