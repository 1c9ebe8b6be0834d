import { defineModule } from '../../platform/module.js';
import { auditRoutes } from './routes.js';
import { type AuditService, createAuditService } from './service.js';

export const auditModule = defineModule<AuditService>({
  name: 'audit',
  create: (context) => createAuditService(context),
  routes: async (app, audit) => {
    await app.register(auditRoutes, { audit });
  },
  start: async (audit, log) => audit.startSealing(log),
  stop: (audit) => audit.stopSealing(),
});
