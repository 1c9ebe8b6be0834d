import { index, integer, pgEnum, pgTable, text, uuid, varchar } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz } from './common.js';

export const emailStatus = pgEnum('email_status', ['PENDING', 'SENT', 'FAILED']);

/** Transactional outbox: written with the event that causes the mail, delivered by a worker. */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: id(),
    toAddress: varchar('to_address', { length: 254 }).notNull(),
    template: varchar('template', { length: 50 }).notNull(),
    subject: varchar('subject', { length: 255 }).notNull(),
    // Cleared once delivered: bodies may carry one-time links.
    textBody: text('text_body'),
    htmlBody: text('html_body'),
    userId: uuid('user_id'),
    status: emailStatus('status').notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    sentAt: tstz('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('email_outbox_pending_idx').on(t.status, t.nextAttemptAt),
    index('email_outbox_user_created_idx').on(t.userId, t.createdAt),
  ],
);
