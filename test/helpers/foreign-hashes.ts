import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

const b64 = (bytes: Buffer) => bytes.toString('base64');
/** passlib's "adapted" base64: '.' for '+', no padding. */
const ab64 = (bytes: Buffer) => bytes.toString('base64').replaceAll('+', '.').replace(/=+$/, '');

/** Each format as the system that makes it writes it, from real libraries and node:crypto. */
export async function foreignHashes(secret: string): Promise<Record<string, string>> {
  const salt = randomBytes(16);
  const textSalt = 'Zq3Jx1kTnB9wRl7e';
  const signerKey = randomBytes(64);
  const separator = Buffer.from([0x07]);
  const firebaseKey = scryptSync(secret, Buffer.concat([salt, separator]), 64, { N: 2 ** 14, r: 8, p: 1 });
  const firebaseCipher = createCipheriv('aes-256-ctr', firebaseKey.subarray(0, 32), Buffer.alloc(16));
  const firebaseHash = Buffer.concat([firebaseCipher.update(signerKey), firebaseCipher.final()]);
  return {
    bcrypt2a: bcrypt.hashSync(secret, 8).replace(/^\$2b\$/, '$2a$'),
    bcrypt2b: bcrypt.hashSync(secret, 8),
    bcrypt2y: bcrypt.hashSync(secret, 8).replace(/^\$2b\$/, '$2y$'),
    argon2id: await argon2Hash(secret, { algorithm: 2, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
    argon2i: await argon2Hash(secret, { algorithm: 1, memoryCost: 4096, timeCost: 3, parallelism: 1 }),
    scryptPhc: `$scrypt$ln=14,r=8,p=1$${ab64(salt)}$${ab64(scryptSync(secret, salt, 32, { N: 2 ** 14, r: 8, p: 1 }))}`,
    scryptDjango: `scrypt$16384$${textSalt}$8$1$${b64(scryptSync(secret, textSalt, 64, { N: 16384, r: 8, p: 1 }))}`,
    scryptWerkzeug: `scrypt:16384:8:1$${textSalt}$${scryptSync(secret, textSalt, 64, { N: 16384, r: 8, p: 1 }).toString('hex')}`,
    pbkdf2Phc: `$pbkdf2-sha256$29000$${ab64(salt)}$${ab64(pbkdf2Sync(secret, salt, 29000, 32, 'sha256'))}`,
    pbkdf2Django: `pbkdf2_sha256$600000$${textSalt}$${b64(pbkdf2Sync(secret, textSalt, 600000, 32, 'sha256'))}`,
    pbkdf2Werkzeug: `pbkdf2:sha256:260000$${textSalt}$${pbkdf2Sync(secret, textSalt, 260000, 32, 'sha256').toString('hex')}`,
    firebase: `$firebase-scrypt$m=14,r=8$${b64(signerKey)}$${b64(separator)}$${b64(salt)}$${b64(firebaseHash)}`,
  };
}
