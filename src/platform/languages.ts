import i18next, { type i18n, type TFunction } from 'i18next';

/**
 * The languages Tessera speaks to people (its pages and its mails), the first being the one used when
 * nothing else matches. Each speaker (hosted pages, mail) keeps a complete catalogue per language.
 */
export const languages = ['en', 'de'] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = 'en';

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (languages as readonly string[]).includes(value);

/** A stored BCP 47 preference (`de-AT`, `pt-BR`) as the language we speak, if we speak its base language. */
export function spokenLanguage(preference: string | null | undefined): Language | undefined {
  const base = preference?.toLowerCase().split('-')[0];
  return isLanguage(base) ? base : undefined;
}

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
 * An i18next instance of its own over one catalogue per language (never the global instance): a key missing
 * in a language is not silently filled from English — each catalogue's test fails instead — and values are
 * interpolated as given (whoever writes them into HTML escapes them).
 */
export function catalogueTranslator(catalogues: Record<Language, object>): { instance: i18n; t(language: Language): TFunction } {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: Object.fromEntries(languages.map((language) => [language, { translation: catalogues[language] }])),
    lng: defaultLanguage,
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return { instance, t: (language) => instance.getFixedT(language) };
}
