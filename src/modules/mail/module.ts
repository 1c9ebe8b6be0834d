import { defineModule } from '../../platform/module.js';
import type { DomainUseCases } from '../events.js';
import { createMailService, type MailService } from './service.js';

/** The outbox and its delivery worker, which runs from start to stop on every node. */
export const mailModule = defineModule<MailService, { useCases: DomainUseCases }>({
  name: 'mail',
  create: (context, deps) => createMailService(context, deps),
  start: (mail, log) => mail.start(log),
  stop: (mail) => mail.stop(),
});
