import type { Ajv } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The formats user data is validated against: phone numbers, social-link URLs, timezones, language codes. Each is a
 * JSON Schema format, so a bad value is one 400 naming its field like any other schema violation.
 */

/** E.164 (`+` country code and number, no spaces) and a number that exists in its country's plan. */
export function isE164Phone(value: string): boolean {
  if (!/^\+[1-9][0-9]{6,14}$/.test(value)) return false;
  const parsed = parsePhoneNumberFromString(value);
  return parsed?.isValid() === true && parsed.number === value;
}

/** An absolute http(s) URL with a host: no `javascript:`, `data:` or relative links in a profile. */
export function isHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A name the IANA time zone database knows (as this runtime's ICU has it), e.g. `Europe/Paris`, `UTC`. */
export function isIanaTimezone(value: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A well-formed BCP 47 language tag whose language is an ISO 639 code (`en`, `pt-BR`, `zh-Hant-TW`). */
export function isLanguageTag(value: string): boolean {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(value)) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** 0001-01-01T00:00:00Z: PostgreSQL has no year 0, and refuses a date or time before the first one. */
const FIRST_INSTANT = -62_135_596_800_000;

/** RFC 3339 grants what no clock here can hold: a leap second (`23:59:60`) and an hour-only offset (`+01`). */
type StringFormat = { validate: (value: string) => boolean; compare: (a: string, b: string) => number | undefined };
const rfc3339 = { date: fullFormats.date as StringFormat, dateTime: fullFormats['date-time'] as StringFormat };

/**
 * An RFC 3339 date-time that JavaScript's Date reads, from year 1 on: what the database stores is the instant it
 * names, so one it cannot name is refused as the field's error instead of failing the write.
 */
export function isStorableDateTime(value: string): boolean {
  if (!rfc3339.dateTime.validate(value)) return false;
  const instant = Date.parse(value);
  return !Number.isNaN(instant) && instant >= FIRST_INSTANT;
}

/** An RFC 3339 full-date (real days only: no 30 February) from year 1 on. */
export function isStorableDate(value: string): boolean {
  return rfc3339.date.validate(value) && !value.startsWith('0000');
}

/** A day someone was born on: a real one, and not after today anywhere on Earth (tomorrow, in UTC). */
export function isBirthDate(value: string): boolean {
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return isStorableDate(value) && value <= tomorrow;
}

/** The longest address stored (the users table's column); schemas bound `format: 'email'` fields by it. */
export const EMAIL_MAX_LENGTH = 254;

/** An address as the API's schemas take one (`format: 'email'`, at most EMAIL_MAX_LENGTH): for doors without a schema, the CLI's. */
export const isEmailAddress = (value: string) => value.length <= EMAIL_MAX_LENGTH && (fullFormats.email as RegExp).test(value);

/** The format names schemas use: `Type.String({ format: formats.phone })`. */
export const formats = {
  phone: 'e164-phone',
  httpUrl: 'http-url',
  timezone: 'iana-timezone',
  language: 'bcp47-language',
  birthDate: 'birth-date',
} as const;

/** Tessera's formats, and `date` and `date-time` narrowed to what can be stored (after ajv-formats, which it replaces). */
export function addTesseraFormats(ajv: Ajv): Ajv {
  ajv.addFormat('date-time', { type: 'string', validate: isStorableDateTime, compare: rfc3339.dateTime.compare });
  ajv.addFormat('date', { type: 'string', validate: isStorableDate, compare: rfc3339.date.compare });
  ajv.addFormat(formats.phone, { type: 'string', validate: isE164Phone });
  ajv.addFormat(formats.httpUrl, { type: 'string', validate: isHttpUrl });
  ajv.addFormat(formats.timezone, { type: 'string', validate: isIanaTimezone });
  ajv.addFormat(formats.language, { type: 'string', validate: isLanguageTag });
  ajv.addFormat(formats.birthDate, { type: 'string', validate: isBirthDate });
  return ajv;
}
