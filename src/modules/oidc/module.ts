import { defineModule } from '../../platform/module.js';
import { applicationRoutes } from './routes.applications.js';
import { interactionRoutes } from './routes.interaction.js';
import { createOidcService, type OidcDeps, type OidcService } from './service.js';

/** Tessera as an OpenID Provider; wired after auth (its keys, its authenticator) and organizations (claims). */
export const oidcModule = defineModule<OidcService, OidcDeps>({
  name: 'oidc',
  create: (context, deps) => createOidcService(context, deps),
  routes: async (app, oidc) => {
    await app.register(applicationRoutes, { applications: oidc.applications });
    await app.register(interactionRoutes, { oidc });
  },
  middleware: (oidc) => oidc.runtime.middleware,
  jobs: (oidc) => [{ name: 'oidc-expired-artifacts', cron: '*/15 * * * *', run: oidc.deleteExpired }],
  start: async (oidc, log) => oidc.runtime.start(log),
  stop: async (oidc) => oidc.runtime.stop(),
});
