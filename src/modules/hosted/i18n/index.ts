import i18next, { type i18n, type TFunction } from 'i18next';
import { de } from './de.js';
import { type Catalogue, en } from './en.js';

/** The languages the hosted pages speak, the first being the one used when nothing else matches. */
export const languages = ['en', 'de'] as const;
export type Language = (typeof languages)[number];
export const catalogues: Record<Language, Catalogue> = { en, de };

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (languages as readonly string[]).includes(value);

/** The first supported language of an Accept-Language header, by its q values. */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((param) => param.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? '1',
      );
      return { base: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.base).find(isLanguage);
}

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
