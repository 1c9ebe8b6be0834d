import { desc, eq, or, sql } from 'drizzle-orm';
import { auditLogs } from '../db/schema/index.js';
import type { ExportPart } from './users/service.js';

/**
 * TRANSITIONAL: what modules that do not publish it yet contribute to a user's export and detail. Each
 * part moves into its module's service and index.ts registers it from there: audit (auditTrail).
 */
export const interimExportParts: Record<string, ExportPart> = {
  auditTrail: (db, userId) =>
    db
      .select({
        action: auditLogs.action,
        entity: auditLogs.entity,
        entityId: auditLogs.entityId,
        // The address is the person's only where they acted; an administrator's acting on them is theirs.
        ipAddress: sql<string | null>`CASE WHEN ${auditLogs.actorId} = ${userId} THEN ${auditLogs.ipAddress} END`,
        createdAt: auditLogs.createdAt,
      })
      .from(auditLogs)
      .where(or(eq(auditLogs.actorId, userId), eq(auditLogs.entityId, userId)))
      .orderBy(desc(auditLogs.id))
      .limit(10_000),
};
