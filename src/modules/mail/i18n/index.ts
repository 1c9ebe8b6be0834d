import { catalogueTranslator, type Language } from '../../../platform/languages.js';
import { de } from './de.js';
import { en, type MailCatalogue } from './en.js';

export const mailCatalogues: Record<Language, MailCatalogue> = { en, de };

/** A mail's translator: one language, values interpolated as given (the HTML body escapes them). */
export type MailT = (key: string, values?: Record<string, unknown>) => string;

/** The mails' translator: the HTML body escapes the values, the text body takes them as they are. */
export function createMailTranslator(): (language: Language) => MailT {
  const { t } = catalogueTranslator(mailCatalogues);
  return (language) => {
    const fixed = t(language);
    return (key, values) => fixed(key, values ?? {}) as string;
  };
}
