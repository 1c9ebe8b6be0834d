import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { rateLimited } from '../../http/errors.js';
import type { MailService } from '../mail/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import type { InvitationRow } from './queries.js';

const MAIL_CAP_WINDOW_MS = 3_600_000;

/** What is stored instead of a token: enough to find it, useless to whoever reads the database. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** 256 random bits, URL-safe; only the mail ever holds it. */
export function newToken() {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: tokenHash(token) };
}

/**
 * The mails of an invitation, each with a fresh token (the link of the newest mail is the one that
 * works), always under PUBLIC_URL, through the outbox in the caller's transaction.
 */
export function createInvitationMails(context: AppContext, deps: { mail: MailService; organizations: OrganizationsService }) {
  const { config, state } = context;
  const link = (token: string) => `${config.PUBLIC_URL}/accept-invitation?token=${encodeURIComponent(token)}`;
  const until = (row: InvitationRow) => row.expiresAt.toUTCString();
  const organizationName = async (tx: Executor, row: InvitationRow) =>
    (await deps.organizations.summary(tx, row.organizationId))?.name ?? null;

  return {
    /** The first mail, or a resend's: an organization's invitation names it and the inviter; a set-password one is the account's. */
    async invite(tx: Executor, row: InvitationRow, token: string, inviter: string) {
      const organization = await organizationName(tx, row);
      if (row.purpose === 'SET_PASSWORD' || !organization) {
        const hours = Math.round((row.expiresAt.getTime() - Date.now()) / 3_600_000);
        return deps.mail.enqueue(tx, { to: row.email, userId: row.userId, template: 'setPassword', data: { url: link(token), hours } });
      }
      const data = { organization, inviter, message: row.message, url: link(token), expiresAt: until(row) };
      // A new person has no language yet: the invitation speaks its inviter's.
      return deps.mail.enqueue(tx, { to: row.email, userId: row.userId, languageOf: row.invitedBy, template: 'invitation', data });
    },

    async remind(tx: Executor, row: InvitationRow, token: string) {
      const organization = row.purpose === 'SET_PASSWORD' ? null : await organizationName(tx, row);
      const data = { organization, url: link(token), expiresAt: until(row) };
      return deps.mail.enqueue(tx, { to: row.email, userId: row.userId, languageOf: row.invitedBy, template: 'invitationReminder', data });
    },

    /** A resend counts against the address's hourly mail cap, the budget auth's account mails use too. */
    async assertUnderCap(email: string) {
      const { count, ttlMs } = await state.increment(`mail-cap:${tokenHash(email)}`, MAIL_CAP_WINDOW_MS);
      if (count > config.MAX_EMAILS_PER_HOUR) throw rateLimited(Math.ceil(ttlMs / 1000));
    },
  };
}

export type InvitationMails = ReturnType<typeof createInvitationMails>;
