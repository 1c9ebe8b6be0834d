import { isoOrNull } from '../../platform/dates.js';
import type { InvitationRow } from './queries.js';

/** An invitation as the API shows it: never its token hash. */
export function invitationView(row: InvitationRow) {
  return {
    id: row.id,
    purpose: row.purpose,
    email: row.email,
    organizationId: row.organizationId,
    userId: row.userId,
    invitedBy: row.invitedBy,
    roleIds: row.roleIds,
    permissions: row.permissions,
    userTypeId: row.userTypeId,
    plan: row.plan,
    message: row.message,
    status: row.status,
    expiresAt: row.expiresAt.toISOString(),
    acceptedAt: isoOrNull(row.acceptedAt),
    sentAt: row.sentAt.toISOString(),
    reminderCount: row.reminderCount,
    lastReminderAt: isoOrNull(row.reminderSentAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type InvitationView = ReturnType<typeof invitationView>;
