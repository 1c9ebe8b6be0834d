import { describe, expect, it } from 'vitest';
import { isE164Phone, isHttpUrl, isIanaTimezone, isLanguageTag } from './formats.js';

describe('the data validation formats', () => {
  it('phone: E.164 numbers that exist in their plan', () => {
    for (const good of ['+14155552671', '+447911123456', '+33612345678', '+818012345678'])
      expect([good, isE164Phone(good)]).toEqual([good, true]);
    for (const bad of ['14155552671', '+1 415 555 2671', '+10000000000', '+4479111234', '+0123456789', '+1415555267a', ''])
      expect([bad, isE164Phone(bad)]).toEqual([bad, false]);
  });

  it('URLs: absolute http(s) with a host, nothing else', () => {
    for (const good of ['https://www.linkedin.com/in/ada', 'http://example.com', 'https://x.com/ada?lang=en#top'])
      expect([good, isHttpUrl(good)]).toEqual([good, true]);
    for (const bad of [
      'javascript:alert(1)',
      'data:text/html,hi',
      'ftp://example.com',
      '//example.com',
      'example.com',
      'https://',
      'https://exa mple.com',
    ])
      expect([bad, isHttpUrl(bad)]).toEqual([bad, false]);
  });

  it('timezones: names of the IANA database', () => {
    for (const good of ['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata', 'Etc/GMT+5'])
      expect([good, isIanaTimezone(good)]).toEqual([good, true]);
    for (const bad of ['Mars/Olympus_Mons', 'Europe/Pariss', '+05:00', 'Europe/../etc', ''])
      expect([bad, isIanaTimezone(bad)]).toEqual([bad, false]);
  });

  it('languages: well-formed BCP 47 tags with an ISO 639 language', () => {
    for (const good of ['en', 'fr', 'pt-BR', 'zh-Hant-TW', 'es-419', 'fil']) expect([good, isLanguageTag(good)]).toEqual([good, true]);
    for (const bad of ['english', 'e', 'en_US', 'en--US', '12', 'en-']) expect([bad, isLanguageTag(bad)]).toEqual([bad, false]);
  });
});
