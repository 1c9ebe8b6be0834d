import { getTableColumns, inArray, is, or, SQL, sql } from 'drizzle-orm';
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

/**
 * Rows go in as one JSON parameter unpacked by jsonb_to_recordset (keyed by the rows' own field names):
 * building and binding thousands of parameters costs more than the insert itself. A field a row leaves
 * out gets the column's default.
 */
async function insertMany<T extends PgTable>(db: Executor, table: T, rows: T['$inferInsert'][], ignoreConflicts = false) {
  if (rows.length === 0) return;
  const columns = Object.entries(getTableColumns(table));
  const generated = columns.filter(([, column]) => column.defaultFn);
  const values = rows.map((row) => {
    const given = row as Record<string, unknown>;
    const missing = generated.filter(([key]) => given[key] === undefined);
    return missing.length === 0 ? row : { ...given, ...Object.fromEntries(missing.map(([key, column]) => [key, column.defaultFn?.()])) };
  });
  const field = (key: string) => sql`r.${sql.identifier(key)}`;
  const orDefault = ([key, column]: (typeof columns)[number]) => {
    if (column.default === undefined) return field(key);
    const fallback = is(column.default, SQL) ? column.default : sql`${column.default}::${sql.raw(column.getSQLType())}`;
    return sql`coalesce(${field(key)}, ${fallback})`;
  };
  const names = sql.join(
    columns.map(([, column]) => sql.identifier(column.name)),
    sql`, `,
  );
  const types = sql.join(
    columns.map(([key, column]) => sql`${sql.identifier(key)} ${sql.raw(column.getSQLType())}`),
    sql`, `,
  );
  await db.execute(
    sql`INSERT INTO ${table} (${names}) SELECT ${sql.join(columns.map(orDefault), sql`, `)} FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS r(${types})${
      ignoreConflicts ? sql` ON CONFLICT DO NOTHING` : sql``
    }`,
  );
}

export const catalogRows = async (db: Executor) => ({
  organizations: await db.select({ id: organizations.id, slug: organizations.slug }).from(organizations),
  userTypes: await db.select({ id: userTypes.id, name: userTypes.name }).from(userTypes),
  roles: await db.select({ id: roles.id, name: roles.name, isDefault: roles.isDefault }).from(roles),
});

export function existingUsers(db: Executor, emails: string[]) {
  if (emails.length === 0) return Promise.resolve([]);
  return db
    .select({
      id: users.id,
      email: users.email,
      passwordHash: users.passwordHash,
      status: users.status,
      organizationId: users.organizationId,
    })
    .from(users)
    .where(inArray(users.email, emails));
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

/** A user's one-to-one row (profile, learning preferences): made, or the fields given overwritten. */
async function upsertOwnRow(db: Executor, table: typeof profiles | typeof learningPreferences, values: { userId: string }) {
  const { userId: _userId, ...changes } = values;
  // Each caller below passes its own table's row type; the union of the two tables defeats drizzle's overloads.
  await db
    .insert(table)
    .values(values as never)
    .onConflictDoUpdate({ target: table.userId, set: { ...changes, updatedAt: new Date() } as never });
}

export const upsertProfile = (db: Executor, values: typeof profiles.$inferInsert) => upsertOwnRow(db, profiles, values);
export const upsertPreferences = (db: Executor, values: typeof learningPreferences.$inferInsert) =>
  upsertOwnRow(db, learningPreferences, values);
