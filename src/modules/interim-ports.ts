import { desc, eq, or } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { apiKeys, auditLogs, sessions, subscriptions, userActivities, userGoals, userSkills } from '../db/schema/index.js';
import type { ExportPart, SubscriptionLookup } from './users/service.js';

/**
 * TRANSITIONAL: what modules that do not publish it yet contribute to a user's export and detail. Each
 * part moves into its module's service and index.ts registers it from there: auth (sessions, apiKeys),
 * subscriptions (subscription, and the detail's subscription), audit (auditTrail), and the learning
 * records (skills, goals, activities) until a learning module owns them.
 */
const withoutUserIds = <T extends { userId?: unknown }>(rows: T[]) => rows.map(({ userId: _userId, ...rest }) => rest);

export const interimExportParts: Record<string, ExportPart> = {
  skills: async (db, userId) => withoutUserIds(await db.select().from(userSkills).where(eq(userSkills.userId, userId))),
  goals: async (db, userId) => withoutUserIds(await db.select().from(userGoals).where(eq(userGoals.userId, userId))),
  activities: async (db, userId) =>
    withoutUserIds(await db.select().from(userActivities).where(eq(userActivities.userId, userId)).orderBy(desc(userActivities.createdAt))),
  sessions: (db, userId) =>
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
      .where(eq(sessions.userId, userId)),
  apiKeys: (db, userId) =>
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
      .where(eq(apiKeys.userId, userId)),
  subscription: async (db, userId) =>
    withoutUserIds(await db.select().from(subscriptions).where(eq(subscriptions.userId, userId)))[0] ?? null,
  auditTrail: (db, userId) =>
    db
      .select({
        action: auditLogs.action,
        entity: auditLogs.entity,
        entityId: auditLogs.entityId,
        ipAddress: auditLogs.ipAddress,
        createdAt: auditLogs.createdAt,
      })
      .from(auditLogs)
      .where(or(eq(auditLogs.actorId, userId), eq(auditLogs.entityId, userId)))
      .orderBy(desc(auditLogs.id))
      .limit(10_000),
};

export const interimSubscriptionLookup: SubscriptionLookup = async (db: Executor, userId: string) => {
  const [row] = await db.select().from(subscriptions).where(eq(subscriptions.userId, userId)).limit(1);
  return row
    ? {
        type: row.type,
        status: row.status,
        startDate: row.startDate.toISOString(),
        endDate: row.endDate?.toISOString() ?? null,
        features: row.features,
      }
    : null;
};
