import type { Executor } from '../../db/client.js';
import type { Caller } from '../../platform/caller.js';
import { createTimingPad } from '../../platform/timing-pad.js';
import type { TemplateData, TemplateName } from '../mail/service.js';
import type { UserRow } from '../users/service.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import * as queries from './queries.js';
import { randomToken, sha256 } from './secrets.js';

type Recipient = { id: string; email: string };

const MAIL_CAP_WINDOW_MS = 3_600_000;

/**
 * What a link is bound to: the address it was mailed to and the password the account had. A link whose
 * account has since changed either no longer works: a reset link kept from before an address change cannot
 * verify an address it never reached, nor a change token outlive a new temporary password.
 */
export interface LinkBinding {
  sentTo: string;
  passwordStamp: string;
  /** An email change's asking session: the one confirming it keeps. */
  keepSession?: string | null;
}

/** A fingerprint of the password hash (itself never stored twice): it changes with every new password. */
export const passwordStamp = (user: Pick<UserRow, 'passwordHash'>) => sha256(`password:${user.passwordHash ?? ''}`).slice(0, 32);

export const bindingOf = (user: Pick<UserRow, 'email' | 'passwordHash'>, sentTo = user.email): LinkBinding => ({
  sentTo,
  passwordStamp: passwordStamp(user),
});

/** How many days a sign-up's "I did not sign up" stays usable, confirmed or not (and the password link it mails). */
export const DISPUTE_DAYS = 7;
export const DAY_MS = 86_400_000;
export const DISPUTE_TTL_MS = DISPUTE_DAYS * DAY_MS;

/**
 * The links that outlive what their owner's account does meanwhile ("this wasn't me", "I did not sign up"): a later
 * link of their purpose does not replace them, nor does a confirmation or a new password, the taker's own included.
 */
const standingPurposes: readonly queries.OneTimePurpose[] = ['EMAIL_CHANGE_REVERT', 'REGISTRATION_DISPUTE'];

/**
 * Whether the account is still as it was when the link was made. A confirmation is bound to the pending
 * address; "this wasn't me" to nothing but its user, so it works after a confirmation and a new password;
 * "I did not sign up" to the address alone, so it acts only while the account has that address.
 */
export function isStillBound(user: UserRow, purpose: queries.OneTimePurpose, binding: Partial<LinkBinding> | null) {
  if (purpose === 'EMAIL_CHANGE_REVERT') return typeof binding?.sentTo === 'string';
  if (purpose === 'REGISTRATION_DISPUTE') return binding?.sentTo === user.email;
  const address = purpose === 'EMAIL_CHANGE' ? user.pendingEmail : user.email;
  return binding?.sentTo === address && binding.passwordStamp === passwordStamp(user);
}

/**
 * Mailed one-time links: 256 random bits, stored hashed, single use, expiring, always under PUBLIC_URL
 * (never the request's Host), bound to the address they go to (`LinkBinding`). A new link of a purpose
 * replaces the user's earlier ones, but for the standing ones.
 */
export function createOneTimeLinks(kit: Pick<AuthKit, 'context' | 'mail' | 'useCases' | 'users'>) {
  const { config, state } = kit.context;

  async function create(
    tx: Executor,
    user: UserRow,
    link: { purpose: queries.OneTimePurpose; ttlMs: number; path: string; sentTo?: string; keepSession?: string | null },
  ) {
    const token = randomToken();
    if (!standingPurposes.includes(link.purpose)) await queries.expireOneTimeTokens(tx, user.id, link.purpose);
    const data: LinkBinding = { ...bindingOf(user, link.sentTo), ...(link.keepSession ? { keepSession: link.keepSession } : {}) };
    await queries.insertOneTimeToken(tx, {
      userId: user.id,
      purpose: link.purpose,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + link.ttlMs),
      data,
    });
    return `${config.PUBLIC_URL}${link.path}?token=${encodeURIComponent(token)}`;
  }

  /** Takes a link out of use; whatever is wrong with it (unknown, used, expired, outlived) is the same answer. */
  async function consume(tx: Executor, token: string, purposes: queries.OneTimePurpose[]) {
    const consumed = await queries.consumeOneTimeToken(tx, sha256(token), purposes);
    const user = consumed ? await kit.users.findById(tx, consumed.userId) : undefined;
    const binding = (consumed?.data ?? null) as Partial<LinkBinding> | null;
    if (!consumed || !user || !isStillBound(user, consumed.purpose, binding)) throw errors.INVALID_LINK();
    return { user, binding: binding as LinkBinding };
  }

  /** Whether `consume` would take the link now (nothing changes): its page then offers its button, else says it is spent. */
  async function isUsable(db: Executor, token: string, purposes: queries.OneTimePurpose[]) {
    const found = await queries.findUsableOneTimeToken(db, sha256(token), purposes);
    const user = found ? await kit.users.findById(db, found.userId) : undefined;
    return Boolean(found && user && isStillBound(user, found.purpose, (found.data ?? null) as Partial<LinkBinding> | null));
  }

  /** A link to the account of the address it goes to, as that account is now. */
  async function linkTo(tx: Executor, to: Recipient, link: { purpose: queries.OneTimePurpose; ttlMs: number; path: string }) {
    const user = await kit.users.findById(tx, to.id);
    if (!user) throw errors.INVALID_LINK();
    return create(tx, user, { ...link, sentTo: to.email });
  }

  const verificationUrl = (tx: Executor, to: Recipient) =>
    linkTo(tx, to, { purpose: 'EMAIL_VERIFICATION', ttlMs: config.VERIFY_TOKEN_TTL, path: '/verify-email' });
  const disputeUrl = (tx: Executor, to: Recipient) =>
    linkTo(tx, to, { purpose: 'REGISTRATION_DISPUTE', ttlMs: DISPUTE_TTL_MS, path: '/dispute-registration' });

  return {
    create,
    consume,
    /** Every link of the user that a taker could hold or have asked for goes out of use; the standing ones stay. */
    expireAllButStanding: (tx: Executor, userId: string) => queries.expireOneTimeTokensBut(tx, userId, standingPurposes),
    isUsable,
    verificationUrl,

    /** Account mails a stranger can trigger are capped per address per hour, so nobody can flood an inbox through Tessera. */
    async mailUnderCap<N extends TemplateName>(tx: Executor, to: Recipient, template: N, data: () => Promise<TemplateData<N>>) {
      const { count } = await state.increment(`mail-cap:${sha256(to.email)}`, MAIL_CAP_WINDOW_MS);
      if (count > config.MAX_EMAILS_PER_HOUR) return;
      await kit.mail.enqueue(tx, { to: to.email, template, data: await data(), userId: to.id });
    },

    /** `disputable`: a sign-up's own, which also carries "I did not sign up" (the only mail that ever does). */
    async mailVerification(tx: Executor, to: Recipient, { disputable = false } = {}) {
      const url = await verificationUrl(tx, to);
      const dispute = disputable ? { url: await disputeUrl(tx, to), days: DISPUTE_DAYS } : undefined;
      await kit.mail.enqueue(tx, { to: to.email, template: 'verifyEmail', data: { url, ...(dispute ? { dispute } : {}) }, userId: to.id });
    },
  };
}

export type OneTimeLinks = ReturnType<typeof createOneTimeLinks>;

/** Confirming an address, and asking for a new confirmation link. */
export function createEmailVerification(kit: Pick<AuthKit, 'context' | 'mail' | 'useCases' | 'users'>, links: OneTimeLinks) {
  // An unverified account's answer writes a link, a mail and an audit row, any other address's nothing: both
  // wait for the slowest recent request, after the transaction.
  const resendTime = createTimingPad();
  return {
    async verifyEmail(caller: Caller, token: string) {
      await kit.useCases.run(caller, async (tx, emit) => {
        const { user } = await links.consume(tx, token, ['EMAIL_VERIFICATION']);
        await kit.users.markEmailVerified(tx, user.id);
        await emit({ type: 'auth.email_verified', entityId: user.id, actorId: user.id });
      });
    },

    async resendVerification(caller: Caller, email: string) {
      await resendTime.pad(() =>
        kit.useCases.run(caller, async (tx, emit) => {
          const user = await kit.users.findByEmail(tx, email);
          if (!user || user.emailVerifiedAt) return;
          await links.mailUnderCap(tx, user, 'verifyEmail', async () => ({ url: await links.verificationUrl(tx, user) }));
          await emit({ type: 'auth.verification_resent', entityId: user.id, actorId: user.id });
        }),
      );
    },
  };
}
