import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as authenticator apps do it: SHA-1, 6 digits, 30-second steps. */
const PERIOD = 30;
/** One step either side: a phone clock up to 30 s off, or a code typed as it rolled over. */
const WINDOW = 1;

export const newTotpSecret = () => new Secret({ size: 20 }).base32;

export const otpauthUri = (secret: string, issuer: string, label: string) =>
  new TOTP({ issuer, label, secret: Secret.fromBase32(secret), period: PERIOD, digits: 6, algorithm: 'SHA1' }).toString();

/**
 * A typed code as compared: apps show "123 456", and a paste brings spaces, dashes or padding along; what is
 * left must be the six digits.
 */
const typedCode = (code: string) => code.replace(/[\s-]/g, '');

/** The time step a code belongs to (within ±1 step of now), or undefined for a wrong code. */
export function stepOf(secret: string, code: string, now = Date.now()): number | undefined {
  const digits = typedCode(code);
  if (!/^\d{6}$/.test(digits)) return undefined;
  const delta = TOTP.validate({
    token: digits,
    secret: Secret.fromBase32(secret),
    period: PERIOD,
    digits: 6,
    window: WINDOW,
    timestamp: now,
  });
  return delta === null ? undefined : TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
}
