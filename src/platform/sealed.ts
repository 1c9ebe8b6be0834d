import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets kept at rest under SIGNING_KEY_SECRET (signing keys, identity providers' client secrets):
 * an AES-256-GCM envelope "enc:v1:<iv>:<tag>:<ciphertext>", all base64url.
 */
export function seal(plain: string, secretHex: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(secretHex, 'hex'), iv);
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['enc', 'v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), sealed.toString('base64url')].join(':');
}

/** The plain value of an envelope; a value stored before encryption was configured comes back as it is. */
export function unseal(stored: string, secretHex: string | undefined): string {
  if (!stored.startsWith('enc:')) return stored;
  if (!secretHex) throw new Error('secrets are encrypted at rest: set SIGNING_KEY_SECRET');
  const [, , iv, tag, data] = stored.split(':');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(secretHex, 'hex'), Buffer.from(iv ?? '', 'base64url'));
  decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data ?? '', 'base64url')), decipher.final()]).toString('utf8');
}
