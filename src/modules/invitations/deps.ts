import type { AppContext } from '../../context.js';
import type { AccessService } from '../access/service.js';
import type { AuthService } from '../auth/service.js';
import type { DomainUseCases } from '../events.js';
import type { MailService } from '../mail/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import type { SubscriptionsService } from '../subscriptions/service.js';
import type { UsersService } from '../users/service.js';
import type { InvitationMails } from './mails.js';

/** The services of the modules wired before invitations: all it reaches of them. */
export interface InvitationsDeps {
  useCases: DomainUseCases;
  access: AccessService;
  organizations: OrganizationsService;
  users: UsersService;
  subscriptions: SubscriptionsService;
  auth: AuthService;
  mail: MailService;
}

/** What every flow of the module works with. */
export interface InvitationsKit extends InvitationsDeps {
  context: AppContext;
  mails: InvitationMails;
}
