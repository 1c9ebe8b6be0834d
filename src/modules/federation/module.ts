import { defineModule } from '../../platform/module.js';
import type { FederationDeps } from './deps.js';
import { ownIdentityRoutes, userIdentityRoutes } from './routes.identities.js';
import { oauthRoutes, oauthStartRoute, oauthTokenRoute } from './routes.js';
import { providerRoutes } from './routes.providers.js';
import { createFederationService, type FederationService } from './service.js';

export const federationModule = defineModule<FederationService, FederationDeps>({
  name: 'federation',
  create: (context, deps) => {
    const federation = createFederationService(context, deps);
    // Users' detail shows a user's identities; users is wired first, so it asks through this port.
    deps.users.registerIdentityLookup(federation.identities.listOf);
    return federation;
  },
  routes: async (app, federation, { config, state }) => {
    await app.register(oauthStartRoute, { prefix: '/auth/oauth', federation, state, perIpLimit: config.AUTH_TOKEN_RATE_LIMIT_PER_MINUTE });
    await app.register(oauthRoutes, { prefix: '/auth/oauth', federation, state, perIpLimit: config.AUTH_RATE_LIMIT_PER_MINUTE });
    await app.register(oauthTokenRoute, { prefix: '/auth/oauth', federation, state, perIpLimit: config.AUTH_TOKEN_RATE_LIMIT_PER_MINUTE });
    await app.register(ownIdentityRoutes, {
      prefix: '/auth/identities',
      federation,
      state,
      perPrincipalLimit: config.AUTH_PRINCIPAL_RATE_LIMIT_PER_MINUTE,
    });
    await app.register(userIdentityRoutes, { federation });
    await app.register(providerRoutes, { federation });
  },
  jobs: (federation) => [{ name: 'federation-expired-flows', cron: '17 * * * *', run: federation.deleteExpired }],
});
