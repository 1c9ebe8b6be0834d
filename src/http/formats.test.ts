import { describe, expect, it } from 'vitest';
import { isBirthDate, isE164Phone, isHttpUrl, isIanaTimezone, isLanguageTag, isStorableDate, isStorableDateTime } from './formats.js';

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

  it('date-times: RFC 3339 instants a Date reads and the database stores', () => {
    for (const good of ['2030-06-30T23:59:59Z', '2030-06-30t12:00:00.123456z', '2030-06-30T12:00:00+01:00', '0001-01-01T00:00:00Z'])
      expect([good, isStorableDateTime(good)]).toEqual([good, true]);
    // A leap second and an hour-only offset are RFC 3339 but no Date; year 0 is no PostgreSQL timestamp.
    for (const bad of ['2030-06-30T23:59:60Z', '2030-06-30T12:00:00+01', '0000-06-30T12:00:00Z', '0001-01-01T00:00:00+01:00', '2030-06-30'])
      expect([bad, isStorableDateTime(bad)]).toEqual([bad, false]);
  });

  it('birth dates: real days, none after today anywhere', () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    for (const good of ['1906-12-09', day(0), day(1)]) expect([good, isBirthDate(good)]).toEqual([good, true]);
    for (const bad of [day(2), '2999-01-01', '2023-02-29', '0000-01-01']) expect([bad, isBirthDate(bad)]).toEqual([bad, false]);
  });

  it('dates: real days from year 1 on', () => {
    for (const good of ['2024-02-29', '0001-01-01', '1999-12-31']) expect([good, isStorableDate(good)]).toEqual([good, true]);
    for (const bad of ['2023-02-29', '0000-01-01', '2024-13-01', '2024-1-1']) expect([bad, isStorableDate(bad)]).toEqual([bad, false]);
  });
});
