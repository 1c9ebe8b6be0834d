import {
  type AnyColumn,
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { insertMany } from '../../db/bulk.js';
import { type Executor, queryRows } from '../../db/client.js';
import { eachGivenEquals, inRange } from '../../db/filters.js';
import { rowsPerUtcDay } from '../../db/per-day.js';
import { profiles, users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type ProfileRow = typeof profiles.$inferSelect;
export type NewProfile = typeof profiles.$inferInsert;

export async function insertUserWithProfile(
  db: Executor,
  values: NewUser,
  profile: Omit<Partial<typeof profiles.$inferInsert>, 'userId'> = {},
): Promise<UserRow> {
  const [user] = await db.insert(users).values(values).returning();
  if (!user) throw new Error('insert returned no row');
  await db.insert(profiles).values({ ...profile, userId: user.id });
  return user;
}

/** How many users there are, are active, and signed up in the last 24 hours (for the metrics). */
export async function userFigures(db: Executor) {
  const [row] = await queryRows<{ total: string; active: string; recent: string }>(
    db,
    sql`SELECT count(*) AS total,
               count(*) FILTER (WHERE status = 'ACTIVE') AS active,
               count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS recent
        FROM users`,
  );
  return { total: Number(row?.total ?? 0), active: Number(row?.active ?? 0), recentSignups: Number(row?.recent ?? 0) };
}

/** An import's accounts and their profiles, one statement per table. */
export const insertUsers = (db: Executor, rows: NewUser[]) => insertMany(db, users, rows);
export const insertProfiles = (db: Executor, rows: NewProfile[]) => insertMany(db, profiles, rows);

/** The accounts holding any of these addresses (stored lowercased). */
export function usersWithEmails(db: Executor, emails: string[]) {
  if (emails.length === 0) return Promise.resolve([]);
  return db
    .select({
      id: users.id,
      email: users.email,
      username: users.username,
      phone: users.phone,
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

/** Whether the database has any user at all (one index probe, whatever the table's size). */
export async function anyUser(db: Executor): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).limit(1);
  return row !== undefined;
}

/** Addresses match whatever their case: they are stored lowercased, so this is an index hit. */
export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return row;
}

const userColumns = Object.entries(getTableColumns(users));

/**
 * For another module's statement, to spare a round trip on a hot path: the user whose id is `userId`, as one
 * JSON value (null when there is none), which `userFromJson` reads back into the row `findUserById` answers.
 */
export const userAsJson = (userId: SQL) => sql`(SELECT row_to_json(u) FROM ${users} u WHERE u.id = ${userId})`;

export const userFromJson = (json: Record<string, unknown>): UserRow =>
  Object.fromEntries(
    userColumns.map(([key, column]) => {
      const value = json[column.name];
      return [key, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
    }),
  ) as UserRow;

/** A user, locked for the caller's transaction: a change decided from what it reads waits for one under way. */
export async function lockUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).for('update');
  return row;
}

export async function findUserById(db: Executor, id: string, organizationId?: string | null): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), organizationId ? eq(users.organizationId, organizationId) : undefined))
    .limit(1);
  return row;
}

/** The updated row, or undefined when it is gone (erased since it was read). */
export async function updateUser(db: Executor, id: string, values: Partial<NewUser>): Promise<UserRow | undefined> {
  const [row] = await db.update(users).set(values).where(eq(users.id, id)).returning();
  return row;
}

/** True when the row was there to delete. */
export async function deleteUser(db: Executor, id: string) {
  const deleted = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return deleted.length > 0;
}

export async function findUserForLogin(db: Executor, identifier: { email?: string; username?: string }) {
  const condition = identifier.email
    ? eq(users.email, identifier.email.trim().toLowerCase())
    : sql`lower(${users.username}) = lower(${identifier.username ?? ''})`;
  const [row] = await db.select().from(users).where(condition).limit(1);
  return row;
}

/** A new password; `changeRequired` marks it temporary: the next sign-in must replace it before it gets a session. */
/** `null`: the account has no password (its owner chooses one through a mailed link). */
export async function setPasswordHash(db: Executor, userId: string, passwordHash: string | null, changeRequired = false) {
  await db.update(users).set({ passwordHash, passwordChangeRequired: changeRequired }).where(eq(users.id, userId));
}

export async function recordLogin(db: Executor, userId: string) {
  await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, userId));
}

/** Marks the account's address verified; true when it was not before (this is its first proof). */
export async function markEmailVerified(db: Executor, userId: string) {
  const rows = await db
    .update(users)
    .set({ emailVerifiedAt: new Date() })
    .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)))
    .returning({ id: users.id });
  return rows.length > 0;
}

export async function findProfile(db: Executor, userId: string) {
  const [row] = await db.select().from(profiles).where(eq(profiles.userId, userId)).limit(1);
  return row;
}

export async function upsertProfile(db: Executor, userId: string, values: Partial<typeof profiles.$inferInsert>) {
  const [row] = await db
    .insert(profiles)
    .values({ ...values, userId })
    .onConflictDoUpdate({ target: profiles.userId, set: { ...values, updatedAt: new Date() } })
    .returning();
  return row as ProfileRow;
}

/**
 * SQL that other modules' queries embed to filter or read by a user's id without touching users' tables:
 * the owner writes it, they pass it in.
 */
export const userConditions = {
  /** The user's status is ACTIVE. */
  active: (userId: AnyColumn | SQL) => sql`${userId} IN (SELECT u.id FROM users u WHERE u.status = 'ACTIVE')`,
  /** The account exists (not soft-deleted), whatever its status. */
  present: (userId: AnyColumn | SQL) => sql`${userId} IN (SELECT u.id FROM users u WHERE u.deleted_at IS NULL)`,
  /** The user belongs to this organization (null: to none). */
  inOrganization: (organizationId: string | null) => (userId: AnyColumn | SQL) =>
    organizationId === null
      ? sql`${userId} IN (SELECT u.id FROM users u WHERE u.organization_id IS NULL)`
      : sql`${userId} IN (SELECT u.id FROM users u WHERE u.organization_id = ${organizationId})`,
  /** The timezone the user's profile names, or null. */
  timezone: (userId: AnyColumn | SQL) => sql<string | null>`(SELECT p.timezone FROM profiles p WHERE p.user_id = ${userId})`,
};

export interface UserFilter {
  organizationId?: string;
  /** The organizations module's condition on the user's id: a member of `organizationId`. */
  memberOf?: (userId: AnyColumn) => SQL;
  search?: string;
  status?: UserRow['status'];
  /** Access's condition on the user's id: holds a given role (the role tables are access's). */
  holdsRole?: (userId: AnyColumn) => SQL;
  userTypeId?: string;
  email?: string;
  phone?: string;
  emailVerified?: boolean;
  phoneVerified?: boolean;
  createdFrom?: Date;
  createdTo?: Date;
}

/** LIKE wildcards in user input are literal characters, not patterns. */
const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

/** A yes/no filter on a timestamp that records when something was proven: none given, no condition. */
const isSetOrNot = (column: AnyColumn, wanted: boolean | undefined) =>
  wanted === undefined ? undefined : wanted ? isNotNull(column) : isNull(column);

function filterConditions(filter: UserFilter): SQL | undefined {
  return and(
    filter.organizationId ? or(eq(users.organizationId, filter.organizationId), filter.memberOf?.(users.id)) : filter.memberOf?.(users.id),
    // email and phone are each answered by their unique index: the lookups people do most.
    eachGivenEquals(filter, { status: users.status, userTypeId: users.userTypeId, email: users.email, phone: users.phone }),
    isSetOrNot(users.emailVerifiedAt, filter.emailVerified),
    isSetOrNot(users.phoneVerifiedAt, filter.phoneVerified),
    inRange(users.createdAt, filter.createdFrom, filter.createdTo),
    filter.holdsRole?.(users.id),
    // Matches the trigram index expression exactly, so the GIN index answers it (case- and accent-insensitive).
    filter.search
      ? sql`tessera_user_search_key(${users.email}, ${users.username}, ${users.firstName}, ${users.lastName}) LIKE '%' || tessera_fold(${escapeLike(filter.search)}) || '%'`
      : undefined,
  );
}

/** The sort keys; never-signed-in users sort last by sign-in, whatever the direction. */
export const sortExpressions = {
  createdAt: sql`${users.createdAt}`,
  lastLoginAt: sql`coalesce(${users.lastLoginAt}, '-infinity'::timestamptz)`,
  email: sql`${users.email}`,
  name: sql`lower(${users.firstName} || ' ' || ${users.lastName})`,
} as const;
export type SortKey = keyof typeof sortExpressions;

export interface Keyset {
  value: string;
  id: string;
}

/**
 * One page of users. Offset paging (with the total a page-numbered list shows) for the first pages;
 * a keyset after (sortValue, id) for deep pages, which costs the same on page 1 and page 50,000.
 */
export async function listUsers(
  db: Executor,
  filter: UserFilter,
  options: { sort: SortKey; order: 'asc' | 'desc'; limit: number; offset?: number; after?: Keyset },
) {
  const key = sortExpressions[options.sort];
  const direction = options.order === 'asc' ? asc : desc;
  const keysetCondition = options.after
    ? (options.order === 'asc' ? gt : lt)(sql`(${key}, ${users.id})`, sql`(${options.after.value}, ${options.after.id}::uuid)`)
    : undefined;
  const rows = await db
    .select({ user: users, sortValue: sql<string>`(${key})::text` })
    .from(users)
    .where(and(filterConditions(filter), keysetCondition))
    .orderBy(direction(key), direction(users.id))
    .limit(options.limit + 1)
    .offset(options.offset ?? 0);
  return rows;
}

const EXACT_COUNT_LIMIT = 10_000;

/**
 * The total of a page-numbered list. Exact up to 10,000 matches; past that, the planner's estimate, since an
 * exact count over a million rows costs seconds and a list page must not.
 */
export async function countMatchingUsers(db: Executor, filter: UserFilter): Promise<{ total: number; exact: boolean }> {
  const matching = db.select({ one: sql`1` }).from(users).where(filterConditions(filter));
  const [row] = await rowsOfCount(db, sql`SELECT count(*)::int AS count FROM (${matching.limit(EXACT_COUNT_LIMIT + 1)}) AS capped`);
  const capped = row?.count ?? 0;
  if (capped <= EXACT_COUNT_LIMIT) return { total: capped, exact: true };
  const [plan] = await rowsOfCount(db, sql`EXPLAIN (FORMAT JSON) ${matching}`);
  const estimate = (plan as unknown as { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] })?.['QUERY PLAN']?.[0]?.Plan?.['Plan Rows'];
  return { total: Math.max(Math.round(estimate ?? 0), EXACT_COUNT_LIMIT + 1), exact: false };
}

async function rowsOfCount(db: Executor, query: SQL) {
  const result = await db.execute(query);
  return ((result as { rows?: { count: number }[] }).rows ?? (result as unknown as { count: number }[])) as { count: number }[];
}

/** Whether another account holds the address, as its email or as the one it is changing to. */
export async function addressClaimedByOther(db: Executor, email: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`${users.id} <> ${userId}`, sql`(${users.email} = ${email} or ${users.pendingEmail} = ${email})`))
    .limit(1);
  return row !== undefined;
}

/** The overview's user figures: totals by status, sign-ins in the window, sign-ups per day (UTC). */
export async function userStatistics(db: Executor, organizationId: string | undefined, since: Date) {
  const inScope = and(isNull(users.deletedAt), organizationId ? eq(users.organizationId, organizationId) : undefined);
  const [totals, days] = await Promise.all([
    db
      .select({
        total: sql<number>`count(*)::int`,
        active: sql<number>`(count(*) FILTER (WHERE ${users.status} = 'ACTIVE'))::int`,
        pending: sql<number>`(count(*) FILTER (WHERE ${users.status} = 'PENDING'))::int`,
        suspended: sql<number>`(count(*) FILTER (WHERE ${users.status} = 'SUSPENDED'))::int`,
        inactive: sql<number>`(count(*) FILTER (WHERE ${users.status} = 'INACTIVE'))::int`,
        signedIn: sql<number>`(count(*) FILTER (WHERE ${users.lastLoginAt} >= ${since}))::int`,
      })
      .from(users)
      .where(inScope),
    rowsPerUtcDay(db, users, users.createdAt, and(inScope, gte(users.createdAt, since))),
  ]);
  return { totals: totals[0], days };
}
