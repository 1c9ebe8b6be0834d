import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './common.js';
import { organizations } from './organizations.js';
import { users, userTypes } from './users.js';

export const invitationStatus = pgEnum('invitation_status', ['PENDING', 'ACCEPTED', 'EXPIRED', 'CANCELLED']);
/** Joining an organization, or choosing the password of an account an administrator made without one (POST /users). */
export const invitationPurpose = pgEnum('invitation_purpose', ['JOIN_ORGANIZATION', 'SET_PASSWORD']);

/** A permission granted on acceptance, with the expiry the inviter gave it. */
export interface InvitedPermission {
  id: string;
  expiresAt: string | null;
}

// No temporary password is stored with an invitation: the invitee sets a password on accepting.
export const userInvitations = pgTable(
  'user_invitations',
  {
    id: id(),
    purpose: invitationPurpose('purpose').notNull().default('JOIN_ORGANIZATION'),
    email: varchar('email', { length: 254 }).notNull(),
    // Null for the set-password invitation of an account outside any organization.
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    // The account the invitation sets up, or the one that accepted it.
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    // What acceptance grants, checked against the inviter's own access when the invitation is made.
    roleIds: uuid('role_ids').array().notNull().default(sql`'{}'::uuid[]`),
    permissions: jsonb('permissions').$type<InvitedPermission[]>().notNull().default([]),
    userTypeId: uuid('user_type_id').references(() => userTypes.id, { onDelete: 'set null' }),
    plan: varchar('plan', { length: 50 }),
    message: text('message'),
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
    index('user_invitations_organization_idx').on(t.organizationId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('user_invitations_email_idx').on(t.email),
    index('user_invitations_status_expires_idx').on(t.status, t.expiresAt),
    index('user_invitations_user_idx').on(t.userId),
    // One pending invitation per organization and address, and per account to set up: the database keeps it so under races.
    uniqueIndex('user_invitations_pending_unique')
      .on(t.organizationId, t.email)
      .where(sql`${t.status} = 'PENDING' AND ${t.purpose} = 'JOIN_ORGANIZATION'`),
    uniqueIndex('user_invitations_pending_setup_unique').on(t.userId).where(sql`${t.status} = 'PENDING' AND ${t.purpose} = 'SET_PASSWORD'`),
  ],
);
