import { defineModule } from '../../platform/module.js';
import type { DomainUseCases } from '../events.js';
import { catalogRoutes } from './routes.catalog.js';
import { roleRoutes } from './routes.roles.js';
import { type AccessService, createAccessService } from './service.js';

export const accessModule = defineModule<AccessService, { useCases: DomainUseCases }>({
  name: 'access',
  create: (context, deps) => createAccessService(context, deps),
  routes: async (app, access) => {
    await app.register(roleRoutes, { roles: access.roles });
    await app.register(catalogRoutes, { catalog: access.catalog });
  },
});
