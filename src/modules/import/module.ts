import { defineModule } from '../../platform/module.js';
import type { DomainUseCases } from '../events.js';
import type { InvitationsService } from '../invitations/service.js';
import { importRoutes } from './routes.js';
import { createImportService, type ImportService } from './service.js';

/** `tessera import` and POST /users/import; wired after invitations, which mails its set-password invitations. */
export const importModule = defineModule<ImportService, { useCases: DomainUseCases; invitations: InvitationsService }>({
  name: 'import',
  create: (context, deps) => createImportService(context, deps),
  routes: async (app, importer) => {
    await app.register(importRoutes, { importer });
  },
});
