import { describe, expect, it } from 'vitest';
import { catalogues, createTranslator, fromAcceptLanguage, languages } from './index.js';

/** Every key path of a catalogue, with its value's interpolation variables. */
function keysOf(tree: object, prefix = ''): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const [name, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (typeof value === 'string') keys.set(path, [...value.matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1] as string).sort());
    else for (const [key, variables] of keysOf(value as object, path)) keys.set(key, variables);
  }
  return keys;
}

describe('hosted pages catalogues', () => {
  const english = keysOf(catalogues.en);

  it.each(languages.filter((language) => language !== 'en'))('%s has every English key, no other, with the same variables', (language) => {
    const translated = keysOf(catalogues[language]);
    expect([...english.keys()].filter((key) => !translated.has(key))).toEqual([]);
    expect([...translated.keys()].filter((key) => !english.has(key))).toEqual([]);
    for (const [key, variables] of english) expect({ key, variables: translated.get(key) }).toEqual({ key, variables });
  });

  it('has no empty string in any language', () => {
    for (const language of languages) {
      for (const key of keysOf(catalogues[language]).keys()) {
        const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], catalogues[language]);
        expect({ language, key, empty: String(value).trim() === '' }).toEqual({ language, key, empty: false });
      }
    }
  });

  it('answers the key itself for a missing key instead of borrowing English', () => {
    const { t } = createTranslator();
    expect(t('de')('signIn.submit')).toBe('Anmelden');
    expect(t('de')('signIn.noSuchKey')).toBe('signIn.noSuchKey');
  });

  it('picks the first supported language of Accept-Language by q value', () => {
    expect(fromAcceptLanguage('fr-FR,de;q=0.8,en;q=0.5')).toBe('de');
    expect(fromAcceptLanguage('en;q=0.2, de-AT')).toBe('de');
    expect(fromAcceptLanguage('fr, es;q=0.9')).toBeUndefined();
    expect(fromAcceptLanguage(undefined)).toBeUndefined();
  });
});
