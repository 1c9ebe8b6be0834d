import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

const b64 = (bytes: Buffer) => bytes.toString('base64');
/** passlib's "adapted" base64: '.' for '+', no padding. */
const ab64 = (bytes: Buffer) => bytes.toString('base64').replaceAll('+', '.').replace(/=+$/, '');
const textSalt = () => randomBytes(12).toString('base64url');
const scrypt14 = (secret: string, salt: Buffer | string, length: number) => scryptSync(secret, salt, length, { N: 2 ** 14, r: 8, p: 1 });

function firebase(secret: string) {
  const salt = randomBytes(12);
  const signerKey = randomBytes(64);
  const separator = Buffer.from([0x07]);
  const cipher = createCipheriv('aes-256-ctr', scrypt14(secret, Buffer.concat([salt, separator]), 64).subarray(0, 32), Buffer.alloc(16));
  const hash = Buffer.concat([cipher.update(signerKey), cipher.final()]);
  return `$firebase-scrypt$m=14,r=8$${b64(signerKey)}$${b64(separator)}$${b64(salt)}$${b64(hash)}`;
}

/** Each format as the system that makes it writes it, from real libraries (bcryptjs, @node-rs/argon2) and node:crypto. */
export const hashFormats: Record<string, (secret: string) => string | Promise<string>> = {
  bcrypt2a: (secret) => bcrypt.hashSync(secret, 8).replace(/^\$2b\$/, '$2a$'),
  bcrypt2b: (secret) => bcrypt.hashSync(secret, 8),
  bcrypt2y: (secret) => bcrypt.hashSync(secret, 8).replace(/^\$2b\$/, '$2y$'),
  argon2id: (secret) => argon2Hash(secret, { algorithm: 2, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
  argon2i: (secret) => argon2Hash(secret, { algorithm: 1, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
  scryptPhc: (secret) => {
    const salt = randomBytes(16);
    return `$scrypt$ln=14,r=8,p=1$${ab64(salt)}$${ab64(scrypt14(secret, salt, 32))}`;
  },
  scryptDjango: (secret) => {
    const salt = textSalt();
    return `scrypt$16384$${salt}$8$1$${b64(scrypt14(secret, salt, 64))}`;
  },
  scryptWerkzeug: (secret) => {
    const salt = textSalt();
    return `scrypt:16384:8:1$${salt}$${scrypt14(secret, salt, 64).toString('hex')}`;
  },
  pbkdf2Phc: (secret) => {
    const salt = randomBytes(16);
    return `$pbkdf2-sha256$29000$${ab64(salt)}$${ab64(pbkdf2Sync(secret, salt, 29000, 32, 'sha256'))}`;
  },
  pbkdf2Django: (secret) => {
    const salt = textSalt();
    return `pbkdf2_sha256$600000$${salt}$${b64(pbkdf2Sync(secret, salt, 600000, 32, 'sha256'))}`;
  },
  pbkdf2Werkzeug: (secret) => {
    const salt = textSalt();
    return `pbkdf2:sha256:260000$${salt}$${pbkdf2Sync(secret, salt, 260000, 32, 'sha256').toString('hex')}`;
  },
  firebase,
};

/** Every format of one secret. */
export async function foreignHashes(secret: string): Promise<Record<string, string>> {
  const entries = await Promise.all(Object.entries(hashFormats).map(async ([name, make]) => [name, await make(secret)] as const));
  return Object.fromEntries(entries);
}
