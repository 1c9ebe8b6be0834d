import i18next from 'i18next';
import { type Language, languages } from '../../../platform/languages.js';
import { de } from './de.js';
import { en, type MailCatalogue } from './en.js';

export const mailCatalogues: Record<Language, MailCatalogue> = { en, de };

/** A mail's translator: one language, values interpolated as given (the HTML body escapes them). */
export type MailT = (key: string, values?: Record<string, unknown>) => string;

/**
 * One i18next instance for the mails (never the global one, never the pages'): a key missing in a
 * language is not filled from English — the catalogue test fails instead.
 */
export function createMailTranslator(): (language: Language) => MailT {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: Object.fromEntries(languages.map((language) => [language, { translation: mailCatalogues[language] }])),
    lng: 'en',
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return (language) => {
    const fixed = instance.getFixedT(language);
    return (key, values) => fixed(key, values ?? {}) as string;
  };
}
