import i18next, { type i18n, type TFunction } from 'i18next';
import { type Language, languages } from '../../../platform/languages.js';
import { de } from './de.js';
import { type Catalogue, en } from './en.js';

export { fromAcceptLanguage, isLanguage, type Language, languages } from '../../../platform/languages.js';

export const catalogues: Record<Language, Catalogue> = { en, de };

/**
 * One i18next instance for the pages (never the global one): a missing key in a language is not
 * silently filled from English — the catalogue test fails instead — and values are escaped by the
 * templates, not here.
 */
export function createTranslator(): { instance: i18n; t(language: Language): TFunction } {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: Object.fromEntries(languages.map((language) => [language, { translation: catalogues[language] }])),
    lng: 'en',
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return { instance, t: (language) => instance.getFixedT(language) };
}
