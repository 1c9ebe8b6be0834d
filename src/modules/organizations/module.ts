import { defineModule } from '../../platform/module.js';
import type { DomainUseCases } from '../events.js';
import { organizationRoutes } from './routes.js';
import { createOrganizationsService, type OrganizationsService } from './service.js';

export const organizationsModule = defineModule<OrganizationsService, { useCases: DomainUseCases }>({
  name: 'organizations',
  create: (context, deps) => createOrganizationsService(context, deps),
  routes: async (app, organizations) => {
    await app.register(organizationRoutes, { organizations });
  },
});
