import { desc, eq, or } from 'drizzle-orm';
import { auditLogs, userActivities, userGoals, userSkills } from '../db/schema/index.js';
import type { ExportPart } from './users/service.js';

/**
 * TRANSITIONAL: what modules that do not publish it yet contribute to a user's export and detail. Each
 * part moves into its module's service and index.ts registers it from there: audit (auditTrail), and the learning
 * records (skills, goals, activities) until a learning module owns them.
 */
const withoutUserIds = <T extends { userId?: unknown }>(rows: T[]) => rows.map(({ userId: _userId, ...rest }) => rest);

export const interimExportParts: Record<string, ExportPart> = {
  skills: async (db, userId) => withoutUserIds(await db.select().from(userSkills).where(eq(userSkills.userId, userId))),
  goals: async (db, userId) => withoutUserIds(await db.select().from(userGoals).where(eq(userGoals.userId, userId))),
  activities: async (db, userId) =>
    withoutUserIds(await db.select().from(userActivities).where(eq(userActivities.userId, userId)).orderBy(desc(userActivities.createdAt))),
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
