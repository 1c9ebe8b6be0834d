import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import type { ErasurePart } from '../../platform/erasure.js';
import { defaultLanguage, type Language, spokenLanguage } from '../../platform/languages.js';
import type { DomainUseCases } from '../events.js';
import { createMailTranslator } from './i18n/index.js';
import { deleteMailsOf, insertMail } from './queries.js';
import { renderMail, type TemplateData, type TemplateName } from './templates.js';
import { createMailWorker } from './worker.js';

export type { TemplateData, TemplateName } from './templates.js';

export interface Mail<N extends TemplateName> {
  to: string;
  template: N;
  data: TemplateData<N>;
  userId?: string | null;
  /**
   * Someone whose language the mail is written in when the recipient has no account yet (an invitation's
   * inviter); the recipient's own preference comes first.
   */
  languageOf?: string | null;
}

/**
 * The language preference (BCP 47, as stored) of the account with this id, or else of the account with
 * this address, read in the caller's transaction; filled at wiring time by users.
 */
export type LanguagePreference = (
  executor: Executor,
  account: { id?: string | null; email?: string },
) => Promise<string | null | undefined>;

/**
 * Mail goes through the outbox. `enqueue` writes it in the use case's transaction, so it is sent if and
 * only if the change that causes it commits, and wakes the worker once that commit is done: the mail
 * leaves at once rather than at the next poll. Nobody else talks to SMTP.
 */
export function createMailService(context: AppContext, { useCases }: { useCases: DomainUseCases }) {
  const worker = createMailWorker(context);
  const translator = createMailTranslator();
  let preferenceOf: LanguagePreference | undefined;

  /** The recipient's language (their account's, by id or address), else the named stand-in's, else the default. */
  async function languageFor(tx: Executor, mail: Mail<TemplateName>): Promise<Language> {
    if (!preferenceOf) return defaultLanguage;
    const recipient = spokenLanguage(await preferenceOf(tx, { id: mail.userId, email: mail.to }));
    const standIn = mail.languageOf && !recipient ? spokenLanguage(await preferenceOf(tx, { id: mail.languageOf })) : undefined;
    return recipient ?? standIn ?? defaultLanguage;
  }

  return {
    /** Where a user's language preference is read (users' profiles): mails are written in it. */
    registerLanguagePreference(lookup: LanguagePreference) {
      preferenceOf = lookup;
    },
    async enqueue<N extends TemplateName>(tx: Executor, mail: Mail<N>) {
      const voice = { t: translator(await languageFor(tx, mail)), brand: context.config.BRAND_NAME };
      const { languageOf: _languageOf, ...row } = mail;
      await insertMail(tx, { ...row, content: renderMail(mail.template, voice, mail.data) });
      useCases.whenCommitted(worker.wake);
    },
    /**
     * A person's erasure leaves no mail naming them (wired as users' erasure part): the outbox keeps each mail's address
     * and subject, and a waiting one would still go out.
     */
    erasureParts: { mails: { erase: deleteMailsOf } satisfies ErasurePart },
    start: worker.start,
    stop: worker.stop,
  };
}

export type MailService = ReturnType<typeof createMailService>;
