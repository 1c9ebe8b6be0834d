import type { Ajv } from 'ajv';
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

/** The format names schemas use: `Type.String({ format: formats.phone })`. */
export const formats = {
  phone: 'e164-phone',
  httpUrl: 'http-url',
  timezone: 'iana-timezone',
  language: 'bcp47-language',
} as const;

export function addTesseraFormats(ajv: Ajv): Ajv {
  ajv.addFormat(formats.phone, { type: 'string', validate: isE164Phone });
  ajv.addFormat(formats.httpUrl, { type: 'string', validate: isHttpUrl });
  ajv.addFormat(formats.timezone, { type: 'string', validate: isIanaTimezone });
  ajv.addFormat(formats.language, { type: 'string', validate: isLanguageTag });
  return ajv;
}
