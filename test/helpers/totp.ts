import { createHmac } from 'node:crypto';

/** RFC 4648 base32 (no padding) to bytes. */
function base32(secret: string) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)?.map((byte) => Number.parseInt(byte, 2)) ?? []);
}

/** The TOTP step of a time: RFC 6238's T = floor(unix seconds / 30). */
export const stepAt = (ms = Date.now()) => Math.floor(ms / 30_000);

/** RFC 6238 (HMAC-SHA1, 6 digits), written here from the RFC rather than with the library under test. */
export function totpCode(secret: string, step: number) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = (hmac[19] as number) & 0xf;
  const binary = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}
