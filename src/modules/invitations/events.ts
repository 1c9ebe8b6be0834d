import { event } from '../../platform/events.js';

interface Invited {
  email: string;
  purpose: 'JOIN_ORGANIZATION' | 'SET_PASSWORD';
  roles: string[];
  permissions: string[];
  userTypeId: string | null;
  plan: string | null;
}

/**
 * Seed 002's invitation lifecycle: made, mailed again, reminded, accepted, cancelled, expired. None
 * carries the token; `organizationId` is the invitation's organization.
 */
export const invitationEvents = {
  'invitation.created': event<Invited>('invitation'),
  'invitation.resent': event<{ email: string }>('invitation'),
  'invitation.reminded': event<{ reminder: number }>('invitation'),
  'invitation.accepted': event<{ userId: string; newAccount: boolean }>('invitation'),
  'invitation.cancelled': event('invitation'),
  'invitation.expired': event('invitation'),
} as const;
