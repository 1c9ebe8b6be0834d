import { defineModule } from '../../platform/module.js';
import type { AccessService } from '../access/service.js';
import type { DomainUseCases } from '../events.js';
import { organizationRoutes } from './routes.js';
import { createOrganizationsService, type OrganizationsService } from './service.js';

export const organizationsModule = defineModule<OrganizationsService, { useCases: DomainUseCases; access: AccessService }>({
  name: 'organizations',
  create: (context, deps) => createOrganizationsService(context, deps),
  routes: async (app, organizations) => {
    await app.register(organizationRoutes, { organizations });
  },
});
