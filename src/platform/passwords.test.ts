import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { argon2Options, hashPassword, needsRehash, verifyPassword } from './passwords.js';

describe('password hashes', () => {
  it("are argon2id with OWASP's parameters, which travel inside the hash", async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(needsRehash(stored)).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(stored);
  });

  it('verify the password only, in its NFKC form, whatever form it is typed in', async () => {
    // "ﬁ" (U+FB01) and "Ａ" (U+FF21) are compatibility forms of "fi" and "A".
    const stored = await hashPassword('ﬁle Ａrchive passphrase');
    expect(await verifyPassword(stored, 'file Archive passphrase')).toBe(true);
    expect(await verifyPassword(stored, 'ﬁle Ａrchive passphrase')).toBe(true);
    expect(await verifyPassword(stored, 'file archive passphrase')).toBe(false);
  });

  it('answer false, never throw, for a stored value that is not a hash', async () => {
    expect(await verifyPassword('', 'anything')).toBe(false);
    expect(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$truncated', 'anything')).toBe(false);
  });

  it('are redone at the next sign-in when made with other parameters or another variant', async () => {
    const weaker = await hash('a passphrase', { ...argon2Options, memoryCost: 4096 });
    const argon2i = await hash('a passphrase', { ...argon2Options, algorithm: 1 });
    expect(needsRehash(weaker)).toBe(true);
    expect(needsRehash(argon2i)).toBe(true);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuuJ5lL0Z9XkS3X1dVw1ZQY5tHk2bGmS6')).toBe(true);
  });
});
