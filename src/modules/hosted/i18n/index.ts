import { cookieOf } from '../../../http/cookies.js';
import { catalogueTranslator, fromAcceptLanguage, isLanguage, type Language } from '../../../platform/languages.js';
import { de } from './de.js';
import { type Catalogue, en } from './en.js';

export { fromAcceptLanguage, isLanguage, type Language, languages } from '../../../platform/languages.js';

export const catalogues: Record<Language, Catalogue> = { en, de };

/** The pages' translator: values are escaped by the templates, not here. */
export const createTranslator = () => catalogueTranslator(catalogues);

/** A language picked on a page, kept for the pages that follow (a year; not a secret, no session's). */
export const LANGUAGE_COOKIE = 'tessera_lang';

/** What a page's language is chosen from, in this order. */
export interface LanguageSignals {
  /** `?lang=` in the address (the language links). */
  asked?: unknown;
  /** The signed-in person's own preference. */
  preferred?: Language;
  /** The request's Cookie header: the language this browser last picked (forms and links do not carry `?lang=`). */
  cookieHeader?: string;
  acceptLanguage?: string;
}

export function negotiateLanguage({ asked, preferred, cookieHeader, acceptLanguage }: LanguageSignals): Language {
  const kept = cookieOf(cookieHeader, LANGUAGE_COOKIE);
  return (
    (isLanguage(asked) ? asked : undefined) ??
    preferred ??
    (isLanguage(kept) ? kept : undefined) ??
    fromAcceptLanguage(acceptLanguage) ??
    'en'
  );
}
