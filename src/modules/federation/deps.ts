import type { AppContext } from '../../context.js';
import type { AccessService } from '../access/service.js';
import type { AuthService } from '../auth/service.js';
import type { DomainUseCases } from '../events.js';
import type { UsersService } from '../users/service.js';
import type { Protocol } from './protocol.js';
import type { Providers } from './providers.js';

/** The services of the modules wired before federation: all it reaches of them. */
export interface FederationDeps {
  useCases: DomainUseCases;
  access: AccessService;
  users: UsersService;
  auth: AuthService;
}

/** What every part of the federation module works with. */
export interface FederationKit extends FederationDeps {
  context: AppContext;
  providers: Providers;
  protocol: Protocol;
}
