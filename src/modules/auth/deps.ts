import type { AppContext } from '../../context.js';
import type { AccessService } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import type { MailService } from '../mail/service.js';
import type { OrganizationsService } from '../organizations/service.js';
import type { SubscriptionsService } from '../subscriptions/service.js';
import type { UsersService } from '../users/service.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionLiveness } from './session-liveness.js';
import type { TokenService } from './tokens.js';
import type { UserViewCache } from './user-views.js';

/** The services of the modules wired before auth: all it reaches of them. */
export interface AuthModuleDeps {
  useCases: DomainUseCases;
  access: AccessService;
  users: UsersService;
  subscriptions: SubscriptionsService;
  mail: MailService;
  organizations: OrganizationsService;
}

/** What every flow of the auth module works with. */
export interface AuthKit extends AuthModuleDeps {
  context: AppContext;
  tokens: TokenService;
  liveness: SessionLiveness;
  /** Signed-in users' views and plans, dropped on every node when they change. */
  userViews: UserViewCache;
  throttle: LoginThrottle;
  /** Verified against when an account does not exist, so that answer costs what a real one does. */
  dummyHash: string;
}
