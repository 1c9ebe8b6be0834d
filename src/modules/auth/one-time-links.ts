import type { Executor } from '../../db/client.js';
import type { Caller } from '../../platform/caller.js';
import type { TemplateData, TemplateName } from '../mail/service.js';
import { accounts } from '../users/service.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import * as queries from './queries.js';
import { randomToken, sha256 } from './secrets.js';

type Recipient = { id: string; email: string };

const MAIL_CAP_WINDOW_MS = 3_600_000;

/**
 * Mailed one-time links: 256 random bits, stored hashed, single use, expiring, always under PUBLIC_URL
 * (never the request's Host). A new link of a purpose replaces the user's earlier ones.
 */
export function createOneTimeLinks(kit: AuthKit) {
  const { config, state } = kit.context;

  async function create(tx: Executor, userId: string, purpose: queries.OneTimePurpose, ttlMs: number, path: string) {
    const token = randomToken();
    await queries.expireOneTimeTokens(tx, userId, purpose);
    await queries.insertOneTimeToken(tx, { userId, purpose, tokenHash: sha256(token), expiresAt: new Date(Date.now() + ttlMs) });
    return `${config.PUBLIC_URL}${path}?token=${encodeURIComponent(token)}`;
  }

  /** Takes a link out of use; whatever is wrong with it (unknown, used, expired) is the same answer. */
  async function consume(tx: Executor, token: string, purposes: queries.OneTimePurpose[]) {
    const consumed = await queries.consumeOneTimeToken(tx, sha256(token), purposes);
    if (!consumed) throw errors.INVALID_LINK();
    return consumed.userId;
  }

  const verificationUrl = (tx: Executor, userId: string) =>
    create(tx, userId, 'EMAIL_VERIFICATION', config.VERIFY_TOKEN_TTL, '/verify-email');

  return {
    create,
    consume,
    verificationUrl,

    /** Account mails a stranger can trigger are capped per address per hour, so nobody can flood an inbox through Tessera. */
    async mailUnderCap<N extends TemplateName>(tx: Executor, to: Recipient, template: N, data: () => Promise<TemplateData<N>>) {
      const { count } = await state.increment(`mail-cap:${sha256(to.email)}`, MAIL_CAP_WINDOW_MS);
      if (count > config.MAX_EMAILS_PER_HOUR) return;
      await kit.mail.enqueue(tx, { to: to.email, template, data: await data(), userId: to.id });
    },

    async mailVerification(tx: Executor, to: Recipient) {
      const url = await verificationUrl(tx, to.id);
      await kit.mail.enqueue(tx, { to: to.email, template: 'verifyEmail', data: { url }, userId: to.id });
    },
  };
}

export type OneTimeLinks = ReturnType<typeof createOneTimeLinks>;

/** Confirming an address, and asking for a new confirmation link. */
export function createEmailVerification(kit: AuthKit, links: OneTimeLinks) {
  return {
    async verifyEmail(caller: Caller, token: string) {
      await kit.useCases.run(caller, async (tx, emit) => {
        const userId = await links.consume(tx, token, ['EMAIL_VERIFICATION']);
        await accounts.markEmailVerified(tx, userId);
        await emit({ type: 'auth.email_verified', entityId: userId, actorId: userId });
      });
    },

    async resendVerification(caller: Caller, email: string) {
      await kit.useCases.run(caller, async (tx, emit) => {
        const user = await accounts.findByEmail(tx, email);
        if (!user || user.emailVerifiedAt) return;
        await links.mailUnderCap(tx, user, 'verifyEmail', async () => ({ url: await links.verificationUrl(tx, user.id) }));
        await emit({ type: 'auth.verification_resent', entityId: user.id, actorId: user.id });
      });
    },
  };
}
