import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { createHarness, createPeer, type Harness } from './helpers/app.js';
import { loginAs } from './helpers/auth.js';
import { type SmtpReceiver, startSmtpReceiver, tokenOf } from './helpers/smtp.js';

/** Invitations expire and their reminders go out on schedule, on a clock the test drives. */
describe('invitation reminders and expiry', () => {
  let h: Harness;
  let peer: Harness;
  let smtp: SmtpReceiver;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let organizationId: string;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    h = await createHarness({
      config: {
        SMTP_URL: smtp.url,
        MAIL_POLL_INTERVAL: '50ms',
        REMINDER_INTERVAL: '1s',
        MAX_REMINDER_COUNT: '3',
        INVITATION_EXPIRES_IN: '10s',
      },
    });
    peer = await createPeer(h);
    admin = await loginAs(h, { roles: ['admin'] });
    const created = await h.app.inject({
      method: 'POST',
      url: '/organizations',
      headers: admin.headers,
      payload: { name: 'Reminded Org' },
    });
    organizationId = created.json().organization.id;
  });
  afterAll(async () => {
    await peer.close();
    await h.close();
    await smtp.close();
  });

  const invite = async (email: string) => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/organizations/${organizationId}/invitations`,
      headers: admin.headers,
      payload: { email },
    });
    return res.json().invitation as { id: string; sentAt: string; expiresAt: string };
  };
  const at = (start: string, seconds: number) => new Date(new Date(start).getTime() + seconds * 1000);
  const reminders = (email: string) => smtp.inbox.filter((mail) => mail.to.includes(email) && /^Reminder/.test(mail.subject));
  const actions = async (id: string) =>
    (
      await queryRows<{ action: string }>(
        h.context.database.primary,
        sql`SELECT action FROM audit_logs WHERE entity_id = ${id} ORDER BY id`,
      )
    ).map((row) => row.action);
  const settleMail = async (email: string, count: number) => {
    for (let attempt = 0; attempt < 100 && reminders(email).length < count; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    // A little longer, so a mail that should not exist has had its chance to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
  };

  it('mails exactly three reminders, one an interval after the last mail, then expires the invitation', async () => {
    const { invitations } = h.app.modules;
    const invitation = await invite('reminded@example.com');
    const clock = [0.5, 1.1, 1.5, 2.2, 2.9, 3.3, 4.4, 6, 9.9];
    const sent: number[] = [];
    for (const seconds of clock) sent.push(await invitations.sendDueReminders(at(invitation.sentAt, seconds)));
    expect(sent).toEqual([0, 1, 0, 1, 0, 1, 0, 0, 0]);
    await settleMail('reminded@example.com', 3);
    const mails = reminders('reminded@example.com');
    expect(mails).toHaveLength(3);
    expect(mails[0]?.subject).toBe('Reminder: you are invited to join Reminded Org');
    // Each reminder's link replaces the earlier ones: of the three, the newest alone works.
    const lookups = await Promise.all(
      mails.map((mail) => h.app.inject({ method: 'GET', url: `/invitations/lookup?token=${tokenOf(mail.link)}` })),
    );
    expect(lookups.map((res) => res.statusCode).sort()).toEqual([200, 400, 400]);
    const latest = tokenOf(mails[lookups.findIndex((res) => res.statusCode === 200)]?.link);

    expect(await invitations.expireDue(at(invitation.sentAt, 9.9))).toBe(0);
    expect(await invitations.expireDue(at(invitation.expiresAt, 0.1))).toBe(1);
    expect(await invitations.expireDue(at(invitation.expiresAt, 5))).toBe(0);
    const shown = await h.app.inject({ method: 'GET', url: `/invitations/${invitation.id}`, headers: admin.headers });
    expect(shown.json()).toMatchObject({ status: 'EXPIRED', reminderCount: 3 });
    expect(await actions(invitation.id)).toEqual([
      'invitation.created',
      'invitation.reminded',
      'invitation.reminded',
      'invitation.reminded',
      'invitation.expired',
    ]);
    expect((await h.app.inject({ method: 'GET', url: `/invitations/lookup?token=${latest}` })).statusCode).toBe(400);
  });

  it('catches up after downtime with one reminder, not a burst', async () => {
    const invitation = await invite('late@example.com');
    expect(await h.app.modules.invitations.sendDueReminders(at(invitation.sentAt, 5))).toBe(1);
    expect(await h.app.modules.invitations.sendDueReminders(at(invitation.sentAt, 5.5))).toBe(0);
    expect(await h.app.modules.invitations.sendDueReminders(at(invitation.sentAt, 6.1))).toBe(1);
  });

  it('sends each reminder once when two nodes run the schedule at the same moments', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, n) => invite(`pair${n}@example.com`)));
    // All sent at one moment of the driven clock: on a loaded machine making thirty takes seconds, and the
    // first would expire (INVITATION_EXPIRES_IN 10 s) before the last had its three reminders.
    const start = Date.now();
    await h.context.database.primary.execute(
      sql`UPDATE user_invitations SET sent_at = ${new Date(start)}, expires_at = ${new Date(start + 10_000)} WHERE email LIKE 'pair%'`,
    );
    for (const seconds of [1.1, 2.2, 3.3, 4.4]) {
      const now = new Date(start + seconds * 1000);
      await Promise.all([h.app.modules.invitations.sendDueReminders(now), peer.app.modules.invitations.sendDueReminders(now)]);
    }
    const [counts] = await queryRows<{ reminded: number; rows: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS rows, sum(reminder_count)::int AS reminded FROM user_invitations WHERE email LIKE 'pair%' AND reminder_count = 3`,
    );
    expect(counts).toEqual({ rows: 30, reminded: 90 });
    const [outbox] = await queryRows<{ mails: number }>(
      h.context.database.primary,
      sql`SELECT count(*)::int AS mails FROM email_outbox WHERE to_address LIKE 'pair%' AND subject LIKE 'Reminder%'`,
    );
    expect(outbox?.mails).toBe(90);
  });
});
