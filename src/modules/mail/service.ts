import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { DomainUseCases } from '../events.js';
import { insertMail } from './queries.js';
import { renderMail, type TemplateData, type TemplateName } from './templates.js';
import { createMailWorker } from './worker.js';

export type { TemplateData, TemplateName } from './templates.js';

export interface Mail<N extends TemplateName> {
  to: string;
  template: N;
  data: TemplateData<N>;
  userId?: string | null;
}

/**
 * Mail goes through the outbox. `enqueue` writes it in the use case's transaction, so it is sent if and
 * only if the change that causes it commits, and wakes the worker once that commit is done: the mail
 * leaves at once rather than at the next poll. Nobody else talks to SMTP.
 */
export function createMailService(context: AppContext, { useCases }: { useCases: DomainUseCases }) {
  const worker = createMailWorker(context);
  return {
    async enqueue<N extends TemplateName>(tx: Executor, mail: Mail<N>) {
      await insertMail(tx, { ...mail, content: renderMail(mail.template, mail.data) });
      useCases.whenCommitted(worker.wake);
    },
    start: worker.start,
    stop: worker.stop,
  };
}

export type MailService = ReturnType<typeof createMailService>;
