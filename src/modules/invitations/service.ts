import type { AppContext } from '../../context.js';
import type { StatisticsPart } from '../ops/service.js';
import { createAcceptance } from './accept.js';
import type { InvitationsDeps } from './deps.js';
import { createInvitationMails } from './mails.js';
import { createInvitationManagement } from './manage.js';
import { invitationCounts } from './queries.js';
import { createInvitationSchedule } from './schedule.js';

export type { AccountToSetUp } from './manage.js';

/**
 * Seed 002's user invitations: an organization's (with the roles, permissions, user type and plan it
 * grants on acceptance) and the set-password invitation of an account made without a password. Wired
 * after auth, whose sign-in completes an acceptance.
 */
export function createInvitationsService(context: AppContext, deps: InvitationsDeps) {
  const kit = { ...deps, context, mails: createInvitationMails(context, deps) };
  return {
    ...createInvitationManagement(kit),
    ...createAcceptance(kit),
    ...createInvitationSchedule(kit),
    /** Its figures of the administrators' overview. */
    statistics: invitationStatistics,
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;

/** The overview's invitations by state (registered with ops at wiring time). */
const invitationStatistics: StatisticsPart<'invitations'> = (db, { organizationId }) => invitationCounts(db, organizationId);
