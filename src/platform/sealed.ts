import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ENVELOPE = 'enc:v1:';

/**
 * Secrets kept at rest under SIGNING_KEY_SECRET (signing keys, identity providers' client secrets):
 * an AES-256-GCM envelope "enc:v1:<iv>:<tag>:<ciphertext>", all base64url.
 */
export const seal = (plain: string, secretHex: string): string => sealUnder(plain, Buffer.from(secretHex, 'hex'));

/** The same envelope under a 32-byte key of the caller's (a key derived for one purpose). */
export function sealUnder(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${ENVELOPE}${[iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join(':')}`;
}

/** The plain value of an envelope sealed under `key`; throws for anything else (not an envelope, altered, another key). */
export function openEnvelope(stored: string, key: Buffer): string {
  if (!stored.startsWith(ENVELOPE)) throw new Error('not a sealed envelope');
  const [iv, tag, data] = stored.slice(ENVELOPE.length).split(':');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
  decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data ?? '', 'base64url')), decipher.final()]).toString('utf8');
}

/** The plain value of an envelope; a value stored before encryption was configured comes back as it is. */
export function unseal(stored: string, secretHex: string | undefined): string {
  if (!stored.startsWith('enc:')) return stored;
  if (!secretHex) throw new Error('secrets are encrypted at rest: set SIGNING_KEY_SECRET');
  return openEnvelope(stored, Buffer.from(secretHex, 'hex'));
}
