import type { Db } from '../../db/client.js';
import type { SignedInCaller } from '../../platform/caller.js';
import { assertNotApiKey, assertNotLastSuperAdmin } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import { memberships, type OrganizationsService } from '../organizations/service.js';
import { userErrors as errors } from './errors.js';
import { SELF_DELETION_REASON } from './events.js';
import type { UserRow } from './queries.js';
import * as queries from './queries.js';
import { applyUserChange } from './records.js';
import type { StepUp } from './step-up.js';

/**
 * A person deletes their own account: soft, as an administrator's DELETE /users/:id (status INACTIVE, which
 * ends every session; an administrator may restore it), proven by the current password or a recent sign-in. Refused for the last
 * super-admin and for the last administrator of an organization (someone must be able to administer); their
 * memberships are suspended, so the account no longer acts anywhere. Auth mails its owner on the event.
 */
export function createSelfDeletion(db: Db, useCases: DomainUseCases, organizations: OrganizationsService, stepUp: StepUp) {
  /**
   * Their current password; a person who has none (their account came from an identity provider) proves it
   * is them by a sign-in within the last few minutes instead, with their second factor when they have one.
   */
  async function assertItIsThem(caller: SignedInCaller, user: UserRow, currentPassword: string | undefined) {
    if (user.passwordHash) {
      // Checked, and each try counted toward the sign-in throttle, by the same step-up an email change asks.
      if (currentPassword === undefined || (await stepUp.verdict(caller, user, currentPassword)) !== 'ok')
        throw errors.CURRENT_PASSWORD_WRONG();
      return;
    }
    if ((await stepUp.verdict(caller, user, undefined)) !== 'ok') throw errors.REAUTHENTICATION_REQUIRED();
  }

  return async function deleteOwnAccount(caller: SignedInCaller, currentPassword: string | undefined) {
    const { principal } = caller;
    // A key must not be able to close the account that owns it.
    assertNotApiKey(principal);
    const user = await queries.findUserById(db, principal.userId);
    if (!user) throw errors.USER_NOT_FOUND();
    await assertItIsThem(caller, user, currentPassword);
    await useCases.run(caller, async (tx, emit) => {
      await assertNotLastSuperAdmin(tx, user.id, queries.userConditions.active);
      for (const membership of await memberships.of(tx, user.id)) {
        if (membership.status === 'ACTIVE')
          await organizations.members.setStatus(tx, emit, membership.organizationId, user.id, 'SUSPENDED');
      }
      const before = await queries.findUserById(tx, user.id);
      if (!before) throw errors.USER_NOT_FOUND();
      await applyUserChange(
        tx,
        emit,
        before,
        { status: 'INACTIVE', statusReason: SELF_DELETION_REASON, deletedAt: new Date() },
        'user.deactivated',
      );
    });
  };
}
