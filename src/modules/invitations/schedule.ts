import { systemCaller } from '../../platform/caller.js';
import type { InvitationsKit } from './deps.js';
import { newToken } from './mails.js';
import * as queries from './queries.js';

const BATCH = 100;

/**
 * Invitation reminders and expiry, run by pg-boss schedules (one node at a time, catching up after
 * downtime). `now` is a parameter so a test can drive the clock. A reminder's row update and its outbox
 * mail commit together, and due rows are locked skipping those another node holds: whatever runs when,
 * each reminder is mailed once.
 */
export function createInvitationSchedule(kit: Pick<InvitationsKit, 'context' | 'mails' | 'useCases'>) {
  const { useCases, mails } = kit;
  const { config } = kit.context;
  const jobs = systemCaller('tessera-jobs');

  return {
    /** Up to MAX_REMINDER_COUNT reminders, REMINDER_INTERVAL after the last mail; a reminder's link replaces the earlier ones. */
    async sendDueReminders(now = new Date()) {
      let sent = 0;
      for (;;) {
        const batch = await useCases.run(jobs, async (tx, emit) => {
          const due = await queries.dueForReminder(tx, {
            now,
            intervalMs: config.REMINDER_INTERVAL,
            max: config.MAX_REMINDER_COUNT,
            limit: BATCH,
          });
          for (const row of due) {
            const { token, hash } = newToken();
            const reminded = await queries.markReminded(tx, row.id, hash, now);
            await mails.remind(tx, reminded, token);
            const payload = { reminder: reminded.reminderCount };
            await emit({ type: 'invitation.reminded', entityId: row.id, organizationId: row.organizationId, payload });
          }
          return due.length;
        });
        sent += batch;
        if (batch < BATCH) return sent;
      }
    },

    /** Pending invitations past their INVITATION_EXPIRES_IN become EXPIRED, one event each. */
    async expireDue(now = new Date()) {
      return useCases.run(jobs, async (tx, emit) => {
        const expired = await queries.expireDue(tx, now);
        for (const row of expired) await emit({ type: 'invitation.expired', entityId: row.id, organizationId: row.organizationId });
        return expired.length;
      });
    },
  };
}
