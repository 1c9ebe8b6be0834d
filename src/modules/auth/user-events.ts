import { accessEndingEvents, SELF_DELETION_REASON } from '../users/events.js';
import type { AuthKit } from './deps.js';
import type { OneTimeLinks } from './one-time-links.js';
import * as queries from './queries.js';

/**
 * Auth's part in what happens to users, in the same transaction as the change: the link a new account
 * needs is mailed (a re-addressed one's: email-change.ts), and a user who may no longer sign in loses every session
 * (on every node, once committed).
 */
export function reactToUserEvents(kit: Pick<AuthKit, 'liveness' | 'useCases' | 'mail' | 'users'>, links: OneTimeLinks) {
  const { useCases, liveness } = kit;

  useCases.react(['user.created'], async (tx, event) => {
    const { email, withPassword, emailVerified, source } = event.payload;
    // An account made without a password gets the invitations module's set-password invitation instead.
    if (emailVerified || !withPassword || !event.entityId) return;
    // Only a sign-up is made by someone who may not own the address: its mail lets the owner say so.
    await links.mailVerification(tx, { id: event.entityId, email }, { disputable: source === 'registration' });
  });

  // An erased user's sessions went with the user's row; the other nodes still have to hear of it.
  useCases.react(['user.suspended', 'user.deactivated'], async (tx, event) => {
    if (event.entityId) await queries.revokeUserSessions(tx, event.entityId, event.type);
  });
  // The sessions an administrator opened as others (support's impersonations) are theirs to end as well: they are
  // held in the customer's name, and would otherwise act on for up to 30 minutes for someone suspended, deactivated or
  // erased (whose own sessions the row's deletion took).
  useCases.react(accessEndingEvents, async (tx, event, { emit }) => {
    if (!event.entityId) return;
    for (const ended of await queries.endImpersonationsBy(tx, event.entityId, event.type)) {
      await emit({ type: 'auth.session_ended', entityId: ended });
    }
  });
  // An account its owner deleted: they hear of it (and whom to ask if it was not them).
  useCases.react(['user.deactivated'], async (tx, event) => {
    if (!event.entityId || event.payload.changes.statusReason?.after !== SELF_DELETION_REASON) return;
    const user = await kit.users.findById(tx, event.entityId);
    if (user) await kit.mail.enqueue(tx, { to: user.email, template: 'accountDeleted', data: {}, userId: user.id });
  });
  useCases.afterCommit(accessEndingEvents, async (event) => {
    if (event.entityId) await liveness.revoked({ userId: event.entityId });
  });
}
