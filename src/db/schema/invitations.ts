import { index, integer, pgEnum, pgTable, uuid, varchar } from 'drizzle-orm/pg-core';
import { roles } from './access.js';
import { createdAt, id, tstz, updatedAt } from './common.js';
import { organizations } from './organizations.js';
import { users } from './users.js';

export const invitationStatus = pgEnum('invitation_status', ['PENDING', 'ACCEPTED', 'EXPIRED', 'CANCELLED']);

// Seed 002's temporary_password is deliberately absent: the invitee sets a password on accepting.
export const userInvitations = pgTable(
  'user_invitations',
  {
    id: id(),
    email: varchar('email', { length: 254 }).notNull(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    roleId: uuid('role_id').references(() => roles.id, { onDelete: 'set null' }),
    // SHA-256 of the invitation token; the token itself only travels in the mail.
    tokenHash: varchar('token_hash', { length: 64 }).notNull().unique('user_invitations_token_hash_unique'),
    status: invitationStatus('status').notNull().default('PENDING'),
    expiresAt: tstz('expires_at').notNull(),
    acceptedAt: tstz('accepted_at'),
    sentAt: tstz('sent_at').notNull().defaultNow(),
    reminderSentAt: tstz('reminder_sent_at'),
    reminderCount: integer('reminder_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('user_invitations_organization_idx').on(t.organizationId),
    index('user_invitations_email_idx').on(t.email),
    index('user_invitations_status_expires_idx').on(t.status, t.expiresAt),
  ],
);
