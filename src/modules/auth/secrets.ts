import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the OS CSPRNG, URL-safe: refresh, reset, verification and invitation tokens. */
export const randomToken = (prefix = '') => prefix + randomBytes(32).toString('base64url');

/** What is stored instead of a token: enough to find it, useless to whoever reads the database. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
