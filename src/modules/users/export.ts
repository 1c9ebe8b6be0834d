import { desc, eq, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import {
  apiKeys,
  auditLogs,
  learningPreferences,
  learningStats,
  sessions,
  subscriptions,
  userActivities,
  userGoals,
  userSkills,
} from '../../db/schema/index.js';
import * as queries from './queries.js';
import { profileView, userView } from './views.js';

const withoutIds = <T extends { userId?: unknown }>(rows: T[]) => rows.map(({ userId: _userId, ...rest }) => rest);

/** GDPR access: everything Tessera holds about one person, minus secrets (hashes, tokens, key material). */
export async function exportUser(db: Executor, user: queries.UserRow) {
  const [profile, roles, direct, preferences, stats, skills, goals, activities, sessionRows, keys, subscription, audit] = await Promise.all(
    [
      queries.findProfile(db, user.id),
      queries.rolesOf(db, user.id),
      queries.directPermissionsOf(db, user.id),
      db.select().from(learningPreferences).where(eq(learningPreferences.userId, user.id)),
      db.select().from(learningStats).where(eq(learningStats.userId, user.id)),
      db.select().from(userSkills).where(eq(userSkills.userId, user.id)),
      db.select().from(userGoals).where(eq(userGoals.userId, user.id)),
      db.select().from(userActivities).where(eq(userActivities.userId, user.id)).orderBy(desc(userActivities.createdAt)),
      db
        .select({
          id: sessions.id,
          ipAddress: sessions.ipAddress,
          userAgent: sessions.userAgent,
          createdAt: sessions.createdAt,
          lastUsedAt: sessions.lastUsedAt,
          revokedAt: sessions.revokedAt,
        })
        .from(sessions)
        .where(eq(sessions.userId, user.id)),
      db
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          prefix: apiKeys.prefix,
          scopes: apiKeys.scopes,
          createdAt: apiKeys.createdAt,
          lastUsedAt: apiKeys.lastUsedAt,
          revokedAt: apiKeys.revokedAt,
        })
        .from(apiKeys)
        .where(eq(apiKeys.userId, user.id)),
      db.select().from(subscriptions).where(eq(subscriptions.userId, user.id)),
      db
        .select({
          action: auditLogs.action,
          entity: auditLogs.entity,
          entityId: auditLogs.entityId,
          ipAddress: auditLogs.ipAddress,
          createdAt: auditLogs.createdAt,
        })
        .from(auditLogs)
        .where(or(eq(auditLogs.actorId, user.id), eq(auditLogs.entityId, user.id)))
        .orderBy(desc(auditLogs.id))
        .limit(10_000),
    ],
  );
  return {
    exportedAt: new Date().toISOString(),
    user: userView(user),
    profile: profile ? profileView(profile) : null,
    roles: roles.map((role) => role.name),
    directPermissions: direct.map((grant) => ({ name: grant.name, expiresAt: grant.expiresAt })),
    learningPreferences: withoutIds(preferences)[0] ?? null,
    learningStats: withoutIds(stats)[0] ?? null,
    skills: withoutIds(skills),
    goals: withoutIds(goals),
    activities: withoutIds(activities),
    sessions: sessionRows,
    apiKeys: keys,
    subscription: withoutIds(subscription)[0] ?? null,
    auditTrail: audit,
  };
}
