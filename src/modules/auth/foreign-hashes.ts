import { createCipheriv, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as verifyArgon2 } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/**
 * Password hashes imported from other systems (`tessera import`), verified once at the user's next
 * sign-in, which then rehashes the password to our argon2id. Each format is parsed strictly. A string that
 * starts as one of them but is not one (a placeholder, a truncated copy, a refused cost) is named with what
 * is wrong, so an import refuses it rather than leave its user unable to sign in; anything else is not a
 * hash we know, and its user is imported without a password.
 *
 * The cost parameters are capped: a hash is data an importer supplies, and a sign-in must not be able to
 * take a node's memory or minutes of its CPU.
 */

type Digest = 'sha1' | 'sha256' | 'sha512';
type Check = (password: string) => Promise<boolean>;
/** A check, or what is wrong with the hash's parameters. */
type CheckOrProblem = Check | string;

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
const MIN_HASH_BYTES = 16;
const tooShort = (expected: Buffer) => `its hash is ${expected.length} bytes, at least ${MIN_HASH_BYTES} expected`;
const tooMuchMemory = `its cost needs more than ${MAX_SCRYPT_MEMORY / 1024 / 1024} MiB of memory`;

function scryptCheck(salt: Buffer, expected: Buffer, N: number, r: number, p: number): CheckOrProblem {
  const memory = 128 * N * r * p;
  if (N < 2 || (N & (N - 1)) !== 0) return 'its N is not a power of 2';
  if (r < 1 || p < 1 || p > 16) return 'its r must be at least 1 and its p 1 to 16';
  if (memory > MAX_SCRYPT_MEMORY) return tooMuchMemory;
  if (expected.length < MIN_HASH_BYTES) return tooShort(expected);
  return async (password) => sameBytes(await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: memory * 2 }), expected);
}

function pbkdf2Check(salt: Buffer, expected: Buffer, iterations: number, digest: Digest): CheckOrProblem {
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS)
    return `its iterations must be 1 to ${MAX_PBKDF2_ITERATIONS.toLocaleString('en')}`;
  if (expected.length < MIN_HASH_BYTES) return tooShort(expected);
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
): CheckOrProblem {
  const N = 2 ** memCost;
  if (memCost < 1 || memCost > 20 || rounds < 1) return 'its m must be 1 to 20 and its r at least 1';
  if (128 * N * rounds > MAX_SCRYPT_MEMORY) return tooMuchMemory;
  if (signerKey.length === 0) return 'its signer key is empty';
  return async (password) => {
    const key = await scryptAsync(password, Buffer.concat([salt, separator]), 64, { N, r: rounds, p: 1, maxmem: 256 * N * rounds });
    const cipher = createCipheriv('aes-256-ctr', key.subarray(0, 32), Buffer.alloc(16));
    return sameBytes(Buffer.concat([cipher.update(signerKey), cipher.final()]), expected);
  };
}

const digestOf = (name: string): Digest | undefined => ({ sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' })[name] as Digest | undefined;

/**
 * Each known format: how a string declares it (`declared`, a prefix no other format shares), the pattern
 * over the whole string and its shape in words, and how its parts become a check.
 */
const formats: { name: string; declared: RegExp; pattern: RegExp; shape: string; check(parts: string[]): CheckOrProblem }[] = [
  {
    name: 'argon2',
    declared: /^\$argon2/,
    shape: '$argon2<id|i|d>$v=19$m=<memory>,t=<time>,p=<lanes>$<base64 salt>$<base64 hash>',
    pattern: /^\$argon2(?:id|i|d)\$(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
    check:
      ([hash]) =>
      async (password) =>
        verifyArgon2(hash as string, password).catch(() => false),
  },
  {
    name: 'bcrypt',
    declared: /^\$2[abxy]?\$/,
    shape: '$2b$<cost>$<53 characters of ./A-Za-z0-9: 22 of salt, 31 of hash>',
    pattern: /^\$2[abxy]?\$([0-9]{2})\$[./A-Za-z0-9]{53}$/,
    check: ([hash, cost]) => {
      if (Number(cost) < 4 || Number(cost) > MAX_BCRYPT_COST) return `its cost ${Number(cost)} is not 4 to ${MAX_BCRYPT_COST}`;
      // $2y$ (PHP) and $2x$ name the same algorithm as $2b$ for every password that is not broken UTF-8.
      const normalized = (hash as string).replace(/^\$2[xy]\$/, '$2b$');
      return (password) => bcrypt.compare(password, normalized);
    },
  },
  {
    // PHC (passlib, @phc/scrypt): $scrypt$ln=14,r=8,p=1$salt$hash
    name: 'scrypt',
    declared: /^\$scrypt\$/,
    shape: '$scrypt$ln=<log2 N>,r=<r>,p=<p>$<base64 salt>$<base64 hash>',
    pattern: new RegExp(`^\\$scrypt\\$ln=${INT},r=${INT},p=${INT}\\$(${B64})\\$(${B64})$`),
    check: ([, ln, r, p, salt, hash]) =>
      scryptCheck(fromBase64(salt as string), fromBase64(hash as string), 2 ** Number(ln), Number(r), Number(p)),
  },
  {
    // Django: scrypt$N$salt$r$p$hash (the salt is text)
    name: 'scrypt',
    declared: /^scrypt\$/,
    shape: 'scrypt$<N>$<salt>$<r>$<p>$<base64 hash>',
    pattern: new RegExp(`^scrypt\\$${INT}\\$([^$]+)\\$${INT}\\$${INT}\\$(${B64})$`),
    check: ([, n, salt, r, p, hash]) =>
      scryptCheck(Buffer.from(salt as string), Buffer.from(hash as string, 'base64'), Number(n), Number(r), Number(p)),
  },
  {
    // Werkzeug (Flask): scrypt:N:r:p$salt$hex
    name: 'scrypt',
    declared: /^scrypt:/,
    shape: 'scrypt:<N>:<r>:<p>$<salt>$<hex hash>',
    pattern: new RegExp(`^scrypt:${INT}:${INT}:${INT}\\$([^$]+)\\$([0-9a-f]+)$`),
    check: ([, n, r, p, salt, hex]) =>
      scryptCheck(Buffer.from(salt as string), Buffer.from(hex as string, 'hex'), Number(n), Number(r), Number(p)),
  },
  {
    // PHC (passlib): $pbkdf2-sha256$rounds$salt$hash
    name: 'pbkdf2',
    declared: /^\$pbkdf2-/,
    shape: '$pbkdf2-<digest>$<iterations>$<base64 salt>$<base64 hash>',
    pattern: new RegExp(`^\\$pbkdf2-(sha1|sha256|sha512)\\$${INT}\\$(${B64})\\$(${B64})$`),
    check: ([, digest, rounds, salt, hash]) =>
      pbkdf2Check(fromBase64(salt as string), fromBase64(hash as string), Number(rounds), digestOf(digest as string) as Digest),
  },
  {
    // Django: pbkdf2_sha256$iterations$salt$hash (the salt is text)
    name: 'pbkdf2',
    declared: /^pbkdf2_/,
    shape: 'pbkdf2_<digest>$<iterations>$<salt>$<base64 hash>',
    pattern: new RegExp(`^pbkdf2_(sha1|sha256|sha512)\\$${INT}\\$([^$]+)\\$(${B64})$`),
    check: ([, digest, rounds, salt, hash]) =>
      pbkdf2Check(Buffer.from(salt as string), Buffer.from(hash as string, 'base64'), Number(rounds), digestOf(digest as string) as Digest),
  },
  {
    // Werkzeug (Flask): pbkdf2:sha256:iterations$salt$hex
    name: 'pbkdf2',
    declared: /^pbkdf2:/,
    shape: 'pbkdf2:<digest>:<iterations>$<salt>$<hex hash>',
    pattern: new RegExp(`^pbkdf2:(sha1|sha256|sha512):${INT}\\$([^$]+)\\$([0-9a-f]+)$`),
    check: ([, digest, rounds, salt, hex]) =>
      pbkdf2Check(Buffer.from(salt as string), Buffer.from(hex as string, 'hex'), Number(rounds), digestOf(digest as string) as Digest),
  },
  {
    // Ours for Firebase's export: $firebase-scrypt$m=memCost,r=rounds$signerKey$saltSeparator$salt$hash (all base64)
    name: 'firebase-scrypt',
    declared: /^\$firebase-scrypt\$/,
    shape: '$firebase-scrypt$m=<mem_cost>,r=<rounds>$<signer key>$<salt separator>$<salt>$<hash> (base64)',
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

/** The format a string declares, if any, with its check or what is wrong with it. */
function parse(hash: string): { format: string; check: CheckOrProblem } | undefined {
  const format = formats.find((candidate) => candidate.declared.test(hash));
  if (!format) return undefined;
  const match = format.pattern.exec(hash);
  return { format: format.name, check: match ? format.check([...match]) : `expected ${format.shape}` };
}

/** A hash Tessera can verify: its check, if it is one. */
function checkOf(hash: string): Check | undefined {
  const check = parse(hash)?.check;
  return typeof check === 'function' ? check : undefined;
}

/** The name of a password hash format Tessera can verify (`bcrypt`, `argon2`, `scrypt`, `pbkdf2`, `firebase-scrypt`), if it is one. */
export function passwordHashFormat(hash: string): string | undefined {
  const parsed = parse(hash);
  return typeof parsed?.check === 'function' ? parsed.format : undefined;
}

/** What is wrong with a string that declares a known format but cannot be a hash of it; never the string itself. */
export function passwordHashProblem(hash: string): string | undefined {
  const parsed = parse(hash);
  return typeof parsed?.check === 'string' ? `not a valid ${parsed.format} hash: ${parsed.check}` : undefined;
}

/**
 * Checks a password against a stored hash, ours or an imported one. Ours are made from the password's
 * NFKC form; other systems rarely normalised, so the password as typed is tried too when it differs.
 */
export async function verifyStoredPassword(stored: string, password: string): Promise<boolean> {
  const check = checkOf(stored);
  if (!check) return false;
  for (const candidate of new Set([password.normalize('NFKC'), password])) {
    if (await check(candidate).catch(() => false)) return true;
  }
  return false;
}
