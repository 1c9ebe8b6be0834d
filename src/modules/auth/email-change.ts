import type { Caller } from '../../platform/caller.js';
import type { AuthKit } from './deps.js';
import { authErrors as errors } from './errors.js';
import { DAY_MS, type OneTimeLinks } from './one-time-links.js';
import * as queries from './queries.js';

/** "This wasn't me" and the reset it sends work this long, even after a confirmation: the owner can take the account back. */
export const REVERT_TTL_MS = 7 * DAY_MS;

/**
 * Auth's part of an email change (users keeps the addresses, users/email-change.ts; the mfa module its step-up):
 * the links mailed to both addresses, and what following each does to sessions.
 */
export function createEmailChangeFlows(kit: Pick<AuthKit, 'context' | 'mail' | 'useCases' | 'users'>, links: OneTimeLinks) {
  const { config } = kit.context;
  const { useCases } = kit;

  // The step-up an email change asks (the current password, else a recent sign-in) is the mfa module's,
  // the same as every other sensitive change's: it registers it with users.

  // A confirmation link to the new address (unless another account holds it), and to the old one a notice
  // with "this wasn't me". Both count against the address's hourly mail cap: nobody floods an inbox by
  // changing their address back and forth.
  useCases.react(['user.email_change_requested'], async (tx, event) => {
    const user = event.entityId ? await kit.users.findById(tx, event.entityId) : undefined;
    if (!user) return;
    const { before, pending, claimable, sessionId } = event.payload;
    if (claimable) {
      await links.mailUnderCap(tx, { id: user.id, email: pending }, 'emailChangeRequested', async () => ({
        url: await links.create(tx, user, {
          purpose: 'EMAIL_CHANGE',
          ttlMs: config.VERIFY_TOKEN_TTL,
          path: '/confirm-email-change',
          sentTo: pending,
          keepSession: sessionId,
        }),
        hours: Math.round(config.VERIFY_TOKEN_TTL / 3_600_000),
      }));
    }
    await links.mailUnderCap(tx, { id: user.id, email: before }, 'emailChangeNotice', async () => ({
      newEmail: pending,
      url: await links.create(tx, user, {
        purpose: 'EMAIL_CHANGE_REVERT',
        ttlMs: REVERT_TTL_MS,
        path: '/revert-email-change',
        sentTo: before,
      }),
      days: REVERT_TTL_MS / DAY_MS,
    }));
  });

  // An administrator set the address: the new one is verified from a link, the old one told.
  useCases.react(['user.email_changed'], async (tx, event) => {
    if (!event.entityId || event.payload.how !== 'set_by_admin') return;
    const { before, after } = event.payload;
    await links.mailVerification(tx, { id: event.entityId, email: after });
    await links.mailUnderCap(tx, { id: event.entityId, email: before }, 'emailChangedByAdmin', async () => ({ newEmail: after }));
  });

  return {
    /** POST /auth/confirm-email-change: the pending address becomes the account's; its other sessions end (EMAIL_CHANGE_ENDS_SESSIONS). */
    async confirmEmailChange(caller: Caller, token: string) {
      await useCases.run(caller, async (tx, emit) => {
        const { user, binding } = await links.consume(tx, token, ['EMAIL_CHANGE']);
        if (!(await kit.users.confirmAddress(tx, emit, user, binding.sentTo))) throw errors.INVALID_LINK();
        const sessions = config.EMAIL_CHANGE_ENDS_SESSIONS
          ? await queries.revokeUserSessions(tx, user.id, 'email_changed', binding.keepSession ?? undefined)
          : 0;
        await emit({ type: 'auth.email_change_confirmed', entityId: user.id, actorId: user.id, payload: { sessions } });
      });
    },

    /**
     * POST /auth/revert-email-change, from the old address: the change is cancelled (or undone), every
     * session ends, and a password reset valid REVERT_TTL goes to the old address.
     */
    async revertEmailChange(caller: Caller, token: string) {
      await useCases.run(caller, async (tx, emit) => {
        const { user, binding } = await links.consume(tx, token, ['EMAIL_CHANGE_REVERT']);
        const restored = await kit.users.restoreAddress(tx, emit, user, binding.sentTo);
        if (!restored) throw errors.INVALID_LINK();
        await queries.expireOneTimeTokens(tx, user.id, 'EMAIL_CHANGE');
        const sessions = await queries.revokeUserSessions(tx, user.id, 'email_change_reverted');
        const url = await links.create(tx, restored, { purpose: 'PASSWORD_RESET', ttlMs: REVERT_TTL_MS, path: '/reset-password' });
        await kit.mail.enqueue(tx, {
          to: restored.email,
          template: 'emailChangeReverted',
          data: { url, days: REVERT_TTL_MS / DAY_MS },
          userId: user.id,
        });
        await emit({ type: 'auth.email_change_reverted', entityId: user.id, actorId: user.id, payload: { sessions } });
      });
    },
  };
}
