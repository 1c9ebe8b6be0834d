import { catalogueTranslator, type Language } from '../../../platform/languages.js';
import { de } from './de.js';
import { type Catalogue, en } from './en.js';

export { fromAcceptLanguage, isLanguage, type Language, languages } from '../../../platform/languages.js';

export const catalogues: Record<Language, Catalogue> = { en, de };

/** The pages' translator: values are escaped by the templates, not here. */
export const createTranslator = () => catalogueTranslator(catalogues);
