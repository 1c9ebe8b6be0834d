import type { AppContext } from '../../context.js';
import type { ErasurePart } from '../../platform/erasure.js';
import { type ExportPart, rowsWithin } from '../../platform/export-scope.js';
import type { StatisticsPart } from '../ops/service.js';
import { createAcceptance } from './accept.js';
import type { InvitationsDeps } from './deps.js';
import { createInvitationMails } from './mails.js';
import { createInvitationManagement } from './manage.js';
import { deleteInvitationsOf, invitationCounts, invitationsOf, inviteeAddresses } from './queries.js';
import { createInvitationSchedule } from './schedule.js';
import { invitationView } from './views.js';

export type { AccountToSetUp } from './manage.js';

/**
 * User invitations: an organization's (with the roles, permissions, user type and plan it
 * grants on acceptance) and the set-password invitation of an account made without a password. Wired
 * after auth, whose sign-in completes an acceptance.
 */
type Management = ReturnType<typeof createInvitationManagement>;

/** What invitations publishes: administrators' management, the invitee's acceptance, and the scheduled jobs. */
export interface InvitationsService extends Management, ReturnType<typeof createAcceptance>, ReturnType<typeof createInvitationSchedule> {
  /** Its figures of the administrators' overview. */
  statistics: StatisticsPart<'invitations'>;
  /** What invitations holds about a person, for their GDPR export. */
  exportParts: { invitations: ExportPart };
  /**
   * Its part of a person's erasure: the invitations to them go, pending or not (an invitation names its invitee's
   * address, which the organization may not keep once the person is erased), and the addresses they went to are
   * looked for in the other parts too.
   */
  erasureParts: { invitations: ErasurePart };
}

export function createInvitationsService(context: AppContext, deps: InvitationsDeps): InvitationsService {
  const kit = { ...deps, context, mails: createInvitationMails(context, deps) };
  const management = createInvitationManagement(kit);
  const acceptance = createAcceptance(kit);
  const schedule = createInvitationSchedule(kit);
  return {
    inviteToSetPassword: management.inviteToSetPassword,
    create: management.create,
    list: management.list,
    get: management.get,
    resend: management.resend,
    cancel: management.cancel,
    lookup: acceptance.lookup,
    accept: acceptance.accept,
    sendDueReminders: schedule.sendDueReminders,
    expireDue: schedule.expireDue,
    statistics: invitationStatistics,
    exportParts: {
      // Those to their account and to their address (one sent before the account existed names only the address).
      async invitations(executor, userId, within) {
        const user = await deps.users.findById(executor, userId);
        if (!user) return [];
        return rowsWithin(await invitationsOf(executor, userId, user.email), within).map(invitationView);
      },
    },
    erasureParts: { invitations: { addressesOf: inviteeAddresses, erase: deleteInvitationsOf } },
  };
}

/** The overview's invitations by state (registered with ops at wiring time). */
const invitationStatistics: StatisticsPart<'invitations'> = (db, { organizationId }) => invitationCounts(db, organizationId);
