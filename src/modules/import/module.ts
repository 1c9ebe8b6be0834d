import { defineModule } from '../../platform/module.js';
import { importRoutes } from './routes.js';
import { createImportService, type ImportDeps, type ImportService } from './service.js';

/** `tessera import` and POST /users/import; wired after invitations, which mails its set-password invitations. */
export const importModule = defineModule<ImportService, ImportDeps>({
  name: 'import',
  create: (context, deps) => createImportService(context, deps),
  routes: async (app, importer) => {
    await app.register(importRoutes, { importer });
  },
});
