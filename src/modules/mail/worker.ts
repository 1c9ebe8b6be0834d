import nodemailer, { type Transporter } from 'nodemailer';
import type { AppContext } from '../../context.js';
import { createOutboxDrain } from '../../platform/outbox-drain.js';
import { claimDueMails, markFailedAttempt, markSent, type OutboxRow, postpone, releaseHeldMails } from './queries.js';

export type MailLog = {
  info(details: object, message: string): void;
  debug(details: object, message: string): void;
  warn(details: object, message: string): void;
};

const BATCH = 20;
const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 10;
const HOLD_WITHOUT_SMTP_MS = 86_400_000;

/**
 * SMTP_URL with bounds well inside the claim's lease, unless the URL sets its own (nodemailer reads its options from the
 * URL's query, and only from there when given a URL). nodemailer's defaults are 2 minutes to connect, 30 seconds for the
 * greeting and 10 minutes of silence: a server that accepts and never answers would hold this node's mail that long, and
 * another node would claim the same mail once the lease ended and send it twice.
 */
export function boundedSmtpUrl(smtpUrl: string) {
  const url = new URL(smtpUrl);
  const bounds = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
  for (const [name, ms] of Object.entries(bounds)) if (!url.searchParams.has(name)) url.searchParams.set(name, String(ms));
  return url.toString();
}

/** The server answered with a permanent refusal (5xx): not a connection that failed or a "try later" (4xx). */
const refusedByServer = (error: unknown) => {
  const code = (error as { responseCode?: unknown } | undefined)?.responseCode;
  return typeof code === 'number' && code >= 500;
};

/**
 * Delivers the outbox. Failures retry with exponential backoff (MAIL_RETRY_BACKOFF × 2^attempts, at most
 * an hour). A mail is given up (FAILED) only when the server itself refuses it (5xx) at its MAX_ATTEMPTS-th attempt or
 * later: while SMTP is unreachable or answers "try later" (4xx), it keeps its turn however long that lasts, since it was
 * acknowledged and SMTP comes back. Without SMTP_URL a mail is logged (the body, which may hold a one-time link, only at debug
 * level) and held until a start with SMTP configured releases it.
 */
export function createMailWorker(context: AppContext) {
  const { config, database } = context;
  const transport: Transporter | undefined = config.SMTP_URL ? nodemailer.createTransport(boundedSmtpUrl(config.SMTP_URL)) : undefined;
  async function deliver(row: OutboxRow, log: MailLog) {
    if (!transport) {
      log.info({ to: row.toAddress, subject: row.subject, template: row.template }, 'mail not sent: no SMTP_URL configured');
      log.debug({ to: row.toAddress, text: row.textBody }, 'mail body');
      await postpone(database.primary, row.id, HOLD_WITHOUT_SMTP_MS);
      return;
    }
    try {
      await transport.sendMail({
        from: config.MAIL_FROM,
        to: row.toAddress,
        subject: row.subject,
        text: row.textBody ?? '',
        html: row.htmlBody ?? undefined,
      });
      await markSent(database.primary, row.id);
    } catch (error) {
      const retryIn = Math.min(config.MAIL_RETRY_BACKOFF * 2 ** row.attempts, 3_600_000);
      log.warn({ to: row.toAddress, attempt: row.attempts + 1, err: error }, 'mail delivery failed; will retry');
      const giveUpAfter = refusedByServer(error) ? MAX_ATTEMPTS : Number.POSITIVE_INFINITY;
      await markFailedAttempt(database.primary, row, error instanceof Error ? error.message : String(error), retryIn, giveUpAfter);
    }
  }

  const outbox = createOutboxDrain<MailLog>({
    batchSize: BATCH,
    pollMs: config.MAIL_POLL_INTERVAL,
    failure: 'mail worker pass failed',
    sendBatch: async (log) => {
      const rows = await claimDueMails(database.primary, BATCH, LEASE_MS);
      await Promise.all(rows.map((row) => deliver(row, log)));
      return rows.length;
    },
  });

  return {
    /** Delivers what is due now, without waiting for it (a mail was just committed); before `start`, the first poll will. */
    wake: outbox.wake,
    async start(startLog: MailLog) {
      if (transport)
        await releaseHeldMails(database.primary).catch((error) => startLog.warn({ err: error }, 'held mails not released yet'));
      outbox.start(startLog);
    },
    async stop() {
      await outbox.stop();
      transport?.close();
    },
  };
}
