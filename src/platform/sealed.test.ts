import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openEnvelope, seal, sealUnder, unseal } from './sealed.js';

const secret = randomBytes(32).toString('hex');

describe('sealed secrets', () => {
  it('are an AES-256-GCM envelope with a fresh nonce each time, and open to the value sealed', () => {
    const first = seal('client secret ✓', secret);
    const second = seal('client secret ✓', secret);
    expect(first).toMatch(/^enc:v1:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('client secret');
    expect(unseal(first, secret)).toBe('client secret ✓');
    expect(unseal(second, secret)).toBe('client secret ✓');
  });

  it('refuse to open under another key, or altered in any part', () => {
    const key = randomBytes(32);
    const sealed = sealUnder('a signing key', key);
    expect(openEnvelope(sealed, key)).toBe('a signing key');
    expect(() => openEnvelope(sealed, randomBytes(32))).toThrow();
    const [iv, tag, data] = sealed.slice('enc:v1:'.length).split(':') as [string, string, string];
    const flip = (part: string) => `${part.startsWith('A') ? 'B' : 'A'}${part.slice(1)}`;
    for (const altered of [`enc:v1:${flip(iv)}:${tag}:${data}`, `enc:v1:${iv}:${flip(tag)}:${data}`, `enc:v1:${iv}:${tag}:${flip(data)}`]) {
      expect(() => openEnvelope(altered, key)).toThrow();
    }
    expect(() => openEnvelope('a signing key', key)).toThrow('not a sealed envelope');
  });

  it('read a value stored before encryption was configured as it is, and ask for the secret otherwise', () => {
    expect(unseal('stored in the clear', secret)).toBe('stored in the clear');
    expect(unseal('stored in the clear', undefined)).toBe('stored in the clear');
    expect(() => unseal(seal('x', secret), undefined)).toThrow('set SIGNING_KEY_SECRET');
  });
});
