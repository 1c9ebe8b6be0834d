import { createHash, randomBytes } from 'node:crypto';
import { seal, unseal } from '../../platform/sealed.js';

/** 256 random bits, base64url: continuation tokens and challenge ids (stored as their SHA-256 only). */
export const newToken = () => randomBytes(32).toString('base64url');
export const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** A TOTP secret at rest: sealed under SIGNING_KEY_SECRET (always set on the embedded database, made in DATA_DIR). */
export const sealSecret = (plain: string, key: string | undefined) => (key ? seal(plain, key) : plain);
export const openSecret = (stored: string, key: string | undefined) => unseal(stored, key);

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const RECOVERY_CODE_COUNT = 10;

/** One recovery code: ten base32 characters (50 bits, unbiased), shown as xxxxx-xxxxx. */
function recoveryCode() {
  const chars = [...randomBytes(10)].map((byte) => ALPHABET[byte & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** A typed recovery code as compared: case, spaces and dashes do not matter. */
const normalizedCode = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * How a recovery code is stored: salted with its owner's id, so that a copy of the table costs 2^50 hashes per
 * person to read, not one pass over 2^50 for everyone's codes at once.
 */
const recoveryCodeHash = (userId: string, code: string) => digest(`recovery:${userId}:${normalizedCode(code)}`);

/** Codes issued before they were salted, stored without the owner's id: they still count until spent or replaced. */
const unsaltedRecoveryCodeHash = (code: string) => digest(`recovery:${normalizedCode(code)}`);

/** The stored forms a typed code may match. */
export const recoveryCodeHashes = (userId: string, code: string) => [recoveryCodeHash(userId, code), unsaltedRecoveryCodeHash(code)];

export function newRecoveryCodes(userId: string) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
  return { codes, hashes: codes.map((code) => recoveryCodeHash(userId, code)) };
}
