import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { emailOutbox } from '../../db/schema/index.js';
import { type TemplateData, type TemplateName, templates } from './templates.js';

/**
 * Writes a mail to the outbox inside the caller's transaction, so it is sent if and only if the
 * change that causes it commits. The worker delivers it; callers never talk to SMTP.
 */
export async function enqueueMail<N extends TemplateName>(
  tx: Executor,
  mail: { to: string; template: N; data: TemplateData<N>; userId?: string | null },
): Promise<void> {
  const content = (templates[mail.template] as (data: TemplateData<N>) => ReturnType<(typeof templates)[N]>)(mail.data);
  await tx.insert(emailOutbox).values({
    toAddress: mail.to,
    template: mail.template,
    subject: content.subject,
    textBody: content.text,
    htmlBody: content.html,
    userId: mail.userId ?? null,
  });
}

export type OutboxRow = typeof emailOutbox.$inferSelect;

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
