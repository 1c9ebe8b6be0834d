import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A client secret: 256 bits from the OS CSPRNG, with a prefix that lets secret scanners recognise it. */
export const randomSecret = () => `tcs_${randomBytes(32).toString('base64url')}`;

/** High-entropy secrets need no slow hash: SHA-256 is enough to make the stored value useless to a reader. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Whether a presented secret is one of the stored hashes, in constant time per hash. */
export function secretMatches(presented: string, hashes: (string | undefined)[]) {
  const actual = Buffer.from(sha256(presented), 'hex');
  let matched = false;
  for (const hash of hashes) if (hash && timingSafeEqual(actual, Buffer.from(hash.padEnd(64, '0').slice(0, 64), 'hex'))) matched = true;
  return matched;
}
