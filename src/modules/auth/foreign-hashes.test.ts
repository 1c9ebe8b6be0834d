import { describe, expect, it } from 'vitest';
import { foreignHashes } from '../../../test/helpers/foreign-hashes.js';
import { hashPassword } from '../../platform/passwords.js';
import { passwordHashFormat, passwordHashProblem, verifyStoredPassword } from './foreign-hashes.js';

const password = 'old system passphrase';
describe('password hashes from other systems', () => {
  it('verifies every supported format with the right password only', async () => {
    const hashes = await foreignHashes(password);
    for (const [name, hash] of Object.entries(hashes)) {
      expect(passwordHashFormat(hash), name).toBeDefined();
      expect(await verifyStoredPassword(hash, password), name).toBe(true);
      expect(await verifyStoredPassword(hash, 'a wrong passphrase'), name).toBe(false);
    }
  }, 60_000);

  it("matches Firebase's published test vector", async () => {
    const hash =
      '$firebase-scrypt$m=14,r=8$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==';
    expect(await verifyStoredPassword(hash, 'user1password')).toBe(true);
    expect(await verifyStoredPassword(hash, 'user2password')).toBe(false);
  });

  it('still verifies our own argon2id hashes, NFKC-normalised', async () => {
    const ours = await hashPassword('ﬁnal passphrase');
    expect(passwordHashFormat(ours)).toBe('argon2');
    expect(await verifyStoredPassword(ours, 'final passphrase')).toBe(true);
  });

  it('knows nothing of unknown formats, malformed strings or costs that would stall a sign-in', async () => {
    for (const hash of [
      '5f4dcc3b5aa765d61d8327deb882cf99',
      '$1$abc$def',
      '$2b$08$tooshort',
      `$2b$31$${'a'.repeat(53)}`,
      '$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA',
      'pbkdf2_sha256$999999999$salt$aGFzaGhhc2hoYXNoaGFzaA==',
      'plain text password',
    ]) {
      expect(passwordHashFormat(hash), hash).toBeUndefined();
      expect(await verifyStoredPassword(hash, 'plain text password')).toBe(false);
    }
  });

  it('says what is wrong with a string written in a known format that cannot be a hash of it, and never repeats it', async () => {
    const problems: [hash: string, format: string, wrong: RegExp][] = [
      ['pbkdf2_sha256$…$hash…', 'pbkdf2', /expected pbkdf2_<digest>\$<iterations>\$<salt>\$<base64 hash>/],
      ['pbkdf2_sha256$260000$salt$hash', 'pbkdf2', /hash is 3 bytes/],
      ['$pbkdf2-sha256$29000$c2FsdA$aGFzaA', 'pbkdf2', /hash is 4 bytes/],
      ['pbkdf2:sha256:999999999$salt$00ff', 'pbkdf2', /iterations/],
      ['$2b$08$tooshort', 'bcrypt', /expected \$2b\$<cost>\$<53 characters/],
      [`$2b$10$${'!'.repeat(53)}`, 'bcrypt', /expected/],
      [`$2b$31$${'a'.repeat(53)}`, 'bcrypt', /cost 31/],
      ['$argon2id$v=19$m=65536,t=3,p=4$hash', 'argon2', /expected \$argon2<id\|i\|d>\$/],
      ['$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA', 'scrypt', /memory/],
      ['scrypt$16384$salt$8$1$hash', 'scrypt', /hash is 3 bytes/],
      ['$firebase-scrypt$m=14,r=8$key$salt', 'firebase-scrypt', /expected/],
    ];
    for (const [hash, format, wrong] of problems) {
      const problem = passwordHashProblem(hash);
      expect(problem, hash).toMatch(new RegExp(`^not a valid ${format} hash: `));
      expect(problem, hash).toMatch(wrong);
      expect(problem, hash).not.toContain(hash);
    }
    const valid = Object.values(await foreignHashes(password));
    for (const hash of [...valid, '5f4dcc3b5aa765d61d8327deb882cf99', '$1$abc$def', 'plain text password']) {
      expect(passwordHashProblem(hash), hash).toBeUndefined();
    }
  }, 60_000);
});
