import { and, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { emailOutbox } from '../../db/schema/index.js';
import { addressDigestOf, type ErasedPerson } from '../../platform/erasure.js';
import type { MailContent } from './templates.js';

export type OutboxRow = typeof emailOutbox.$inferSelect;

export async function insertMail(tx: Executor, mail: { to: string; template: string; content: MailContent; userId?: string | null }) {
  const { subject, text, html } = mail.content;
  await tx
    .insert(emailOutbox)
    .values({ toAddress: mail.to, template: mail.template, subject, textBody: text, htmlBody: html, userId: mail.userId ?? null });
}

/**
 * An erased person's mails, sent or waiting: their account's, and those to an address they have had that name no account
 * (an invitation mailed before theirs existed). A mail of another account to an address the person once had is that
 * account's. Their addresses and subjects go with them. Returns how many went.
 */
export async function deleteMailsOf(tx: Executor, person: ErasedPerson) {
  const rows = await tx
    .delete(emailOutbox)
    .where(
      or(
        eq(emailOutbox.userId, person.userId),
        and(isNull(emailOutbox.userId), inArray(addressDigestOf(emailOutbox.toAddress), person.subjects)),
      ),
    )
    .returning({ id: emailOutbox.id });
  return rows.length;
}

/**
 * Claims due mails by pushing their next attempt out by a lease: no transaction stays open while SMTP
 * answers, and two workers never send the same mail while the lease lasts.
 */
export async function claimDueMails(db: Executor, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  return db
    .update(emailOutbox)
    .set({ nextAttemptAt: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(
      inArray(
        emailOutbox.id,
        db
          .select({ id: emailOutbox.id })
          .from(emailOutbox)
          .where(and(eq(emailOutbox.status, 'PENDING'), lte(emailOutbox.nextAttemptAt, sql`now()`)))
          .orderBy(emailOutbox.nextAttemptAt)
          .limit(limit)
          .for('update', { skipLocked: true }),
      ),
    )
    .returning();
}

/** Delivered: the bodies go, since they may hold one-time links. */
export async function markSent(db: Executor, id: string) {
  await db
    .update(emailOutbox)
    .set({ status: 'SENT', sentAt: new Date(), textBody: null, htmlBody: null, lastError: null })
    .where(eq(emailOutbox.id, id));
}

export async function markFailedAttempt(db: Executor, row: OutboxRow, error: string, retryInMs: number, maxAttempts: number) {
  const attempts = row.attempts + 1;
  await db
    .update(emailOutbox)
    .set({
      attempts,
      lastError: error.slice(0, 500),
      status: attempts >= maxAttempts ? 'FAILED' : 'PENDING',
      nextAttemptAt: new Date(Date.now() + retryInMs),
    })
    .where(eq(emailOutbox.id, row.id));
}

export async function postpone(db: Executor, id: string, delayMs: number) {
  await db
    .update(emailOutbox)
    .set({ nextAttemptAt: new Date(Date.now() + delayMs) })
    .where(eq(emailOutbox.id, id));
}

/** Mails held while no SMTP server was configured become due at once when one is. */
export async function releaseHeldMails(db: Executor) {
  await db.update(emailOutbox).set({ nextAttemptAt: sql`now()` }).where(eq(emailOutbox.status, 'PENDING'));
}
