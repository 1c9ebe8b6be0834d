import { defineErrors } from '../../http/errors.js';

export const invitationErrors = defineErrors({
  INVITATION_NOT_FOUND: [404, 'Invitation not found.'],
  INVITATION_ALREADY_PENDING: [409, 'A pending invitation for this address exists: resend it with ?resend=true.'],
  INVITATION_NOT_PENDING: [409, 'The invitation is no longer pending.'],
  // Unknown, used, cancelled and expired tokens are one answer: it tells a guesser nothing.
  INVALID_INVITATION: [400, 'The invitation is invalid, used, cancelled or expired.'],
  SIGN_IN_TO_ACCEPT: [401, 'This address has an account: sign in as it to accept the invitation.'],
  INVITATION_FOR_ANOTHER_ACCOUNT: [403, 'This invitation is for another account.'],
});
