import { createCipheriv, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as verifyArgon2 } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/**
 * Password hashes imported from other systems (`tessera import`), verified once at the user's next
 * sign-in, which then rehashes the password to our argon2id. Each format is parsed strictly; anything
 * else is not a hash we know, and its user is imported without a password.
 *
 * The cost parameters are capped: a hash is data an importer supplies, and a sign-in must not be able to
 * take a node's memory or minutes of its CPU.
 */

type Digest = 'sha1' | 'sha256' | 'sha512';
type Check = (password: string) => Promise<boolean>;

const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_PBKDF2_ITERATIONS = 5_000_000;
const MAX_BCRYPT_COST = 15;

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

const B64 = '[A-Za-z0-9+/.]+={0,2}';
const INT = '([0-9]{1,9})';
/** Standard base64, or the "adapted" one of passlib's PHC strings ('.' for '+', no padding). */
const fromBase64 = (text: string) => Buffer.from(text.replaceAll('.', '+'), 'base64');
const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && a.length > 0 && timingSafeEqual(a, b);

function scryptCheck(salt: Buffer, expected: Buffer, N: number, r: number, p: number): Check | undefined {
  const memory = 128 * N * r * p;
  if (N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || p > 16 || memory > MAX_SCRYPT_MEMORY || expected.length < 16) return undefined;
  return async (password) => sameBytes(await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: memory * 2 }), expected);
}

function pbkdf2Check(salt: Buffer, expected: Buffer, iterations: number, digest: Digest): Check | undefined {
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS || expected.length < 16) return undefined;
  return async (password) => sameBytes(await pbkdf2Async(password, salt, iterations, expected.length, digest), expected);
}

/** Firebase Auth's modified scrypt (its published algorithm): scrypt keys AES-256-CTR, which encrypts the project's signer key. */
function firebaseCheck(
  memCost: number,
  rounds: number,
  signerKey: Buffer,
  separator: Buffer,
  salt: Buffer,
  expected: Buffer,
): Check | undefined {
  const N = 2 ** memCost;
  if (memCost < 1 || memCost > 20 || rounds < 1 || 128 * N * rounds > MAX_SCRYPT_MEMORY || signerKey.length === 0) return undefined;
  return async (password) => {
    const key = await scryptAsync(password, Buffer.concat([salt, separator]), 64, { N, r: rounds, p: 1, maxmem: 256 * N * rounds });
    const cipher = createCipheriv('aes-256-ctr', key.subarray(0, 32), Buffer.alloc(16));
    return sameBytes(Buffer.concat([cipher.update(signerKey), cipher.final()]), expected);
  };
}

const digestOf = (name: string): Digest | undefined => ({ sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' })[name] as Digest | undefined;

/** Each known format: a pattern over the whole string, and how its parts become a check. */
const formats: { name: string; pattern: RegExp; check(parts: string[]): Check | undefined }[] = [
  {
    name: 'argon2',
    pattern: /^\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
    check:
      ([hash]) =>
      async (password) =>
        verifyArgon2(hash as string, password).catch(() => false),
  },
  {
    name: 'bcrypt',
    pattern: /^\$2[abxy]?\$([0-9]{2})\$[./A-Za-z0-9]{53}$/,
    check: ([hash, cost]) => {
      if (Number(cost) < 4 || Number(cost) > MAX_BCRYPT_COST) return undefined;
      // $2y$ (PHP) and $2x$ name the same algorithm as $2b$ for every password that is not broken UTF-8.
      const normalized = (hash as string).replace(/^\$2[xy]\$/, '$2b$');
      return (password) => bcrypt.compare(password, normalized);
    },
  },
  {
    // PHC (passlib, @phc/scrypt): $scrypt$ln=14,r=8,p=1$salt$hash
    name: 'scrypt',
    pattern: new RegExp(`^\\$scrypt\\$ln=${INT},r=${INT},p=${INT}\\$(${B64})\\$(${B64})$`),
    check: ([, ln, r, p, salt, hash]) =>
      scryptCheck(fromBase64(salt as string), fromBase64(hash as string), 2 ** Number(ln), Number(r), Number(p)),
  },
  {
    // Django: scrypt$N$salt$r$p$hash (the salt is text)
    name: 'scrypt',
    pattern: new RegExp(`^scrypt\\$${INT}\\$([^$]+)\\$${INT}\\$${INT}\\$(${B64})$`),
    check: ([, n, salt, r, p, hash]) =>
      scryptCheck(Buffer.from(salt as string), Buffer.from(hash as string, 'base64'), Number(n), Number(r), Number(p)),
  },
  {
    // Werkzeug (Flask): scrypt:N:r:p$salt$hex
    name: 'scrypt',
    pattern: new RegExp(`^scrypt:${INT}:${INT}:${INT}\\$([^$]+)\\$([0-9a-f]+)$`),
    check: ([, n, r, p, salt, hex]) =>
      scryptCheck(Buffer.from(salt as string), Buffer.from(hex as string, 'hex'), Number(n), Number(r), Number(p)),
  },
  {
    // PHC (passlib): $pbkdf2-sha256$rounds$salt$hash
    name: 'pbkdf2',
    pattern: new RegExp(`^\\$pbkdf2-(sha1|sha256|sha512)\\$${INT}\\$(${B64})\\$(${B64})$`),
    check: ([, digest, rounds, salt, hash]) =>
      pbkdf2Check(fromBase64(salt as string), fromBase64(hash as string), Number(rounds), digestOf(digest as string) as Digest),
  },
  {
    // Django: pbkdf2_sha256$iterations$salt$hash (the salt is text)
    name: 'pbkdf2',
    pattern: new RegExp(`^pbkdf2_(sha1|sha256|sha512)\\$${INT}\\$([^$]+)\\$(${B64})$`),
    check: ([, digest, rounds, salt, hash]) =>
      pbkdf2Check(Buffer.from(salt as string), Buffer.from(hash as string, 'base64'), Number(rounds), digestOf(digest as string) as Digest),
  },
  {
    // Werkzeug (Flask): pbkdf2:sha256:iterations$salt$hex
    name: 'pbkdf2',
    pattern: new RegExp(`^pbkdf2:(sha1|sha256|sha512):${INT}\\$([^$]+)\\$([0-9a-f]+)$`),
    check: ([, digest, rounds, salt, hex]) =>
      pbkdf2Check(Buffer.from(salt as string), Buffer.from(hex as string, 'hex'), Number(rounds), digestOf(digest as string) as Digest),
  },
  {
    // Ours for Firebase's export: $firebase-scrypt$m=memCost,r=rounds$signerKey$saltSeparator$salt$hash (all base64)
    name: 'firebase-scrypt',
    pattern: new RegExp(`^\\$firebase-scrypt\\$m=${INT},r=${INT}\\$(${B64})\\$(${B64})\\$(${B64})\\$(${B64})$`),
    check: ([, m, r, signer, separator, salt, hash]) =>
      firebaseCheck(
        Number(m),
        Number(r),
        Buffer.from(signer as string, 'base64'),
        Buffer.from(separator as string, 'base64'),
        Buffer.from(salt as string, 'base64'),
        Buffer.from(hash as string, 'base64'),
      ),
  },
];

function parse(hash: string): { format: string; check: Check } | undefined {
  for (const format of formats) {
    const match = format.pattern.exec(hash);
    const check = match ? format.check([...match]) : undefined;
    if (check) return { format: format.name, check };
  }
  return undefined;
}

/** The name of a password hash format Tessera can verify (`bcrypt`, `argon2`, `scrypt`, `pbkdf2`, `firebase-scrypt`), if it is one. */
export const passwordHashFormat = (hash: string): string | undefined => parse(hash)?.format;

/**
 * Checks a password against a stored hash, ours or an imported one. Ours are made from the password's
 * NFKC form; other systems rarely normalised, so the password as typed is tried too when it differs.
 */
export async function verifyStoredPassword(stored: string, password: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  for (const candidate of new Set([password.normalize('NFKC'), password])) {
    if (await parsed.check(candidate).catch(() => false)) return true;
  }
  return false;
}
