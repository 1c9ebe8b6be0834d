import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSealedContinuations } from './sealed-continuations.js';

/** The signing keys' sealing secrets as the token service holds them: one active key, one rotating out. */
function keyring() {
  const secrets = new Map([
    ['active-kid', randomBytes(32)],
    ['retiring-kid', randomBytes(32)],
  ]);
  let active = 'active-kid';
  return {
    rotateTo(kid: string) {
      secrets.set(kid, randomBytes(32));
      active = kid;
    },
    forget: (kid: string) => secrets.delete(kid),
    async sealingSecret(kid?: string) {
      const wanted = kid ?? active;
      const secret = secrets.get(wanted);
      return secret && { kid: wanted, secret };
    },
  };
}

describe('sealed continuations', () => {
  afterEach(() => vi.useRealTimers());

  it('opens what it sealed for the same purpose, with a new jti each time, and hides the content', async () => {
    const continuations = createSealedContinuations(keyring());
    const token = await continuations.seal('second-factor', { sub: 'someone', identifier: 'ada@example.com' }, 60_000);
    expect(token).not.toContain('ada');
    expect(Buffer.from(token.split(':').at(-1) as string, 'base64url').toString()).not.toContain('ada');
    const opened = await continuations.open<{ sub: string; identifier: string }>('second-factor', token);
    expect(opened).toMatchObject({ sub: 'someone', identifier: 'ada@example.com' });
    const again = await continuations.open<{ jti: string }>('second-factor', await continuations.seal('second-factor', {}, 60_000));
    expect(again?.jti).toBeTypeOf('string');
    expect(again?.jti).not.toBe(opened?.jti);
  });

  it('refuses another purpose, an altered token, a plain one and one of a key no longer held', async () => {
    const keys = keyring();
    const continuations = createSealedContinuations(keys);
    const token = await continuations.seal('second-factor', { sub: 'someone' }, 60_000);
    expect(await continuations.open('enrolment', token)).toBeUndefined();
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect(await continuations.open('second-factor', `${token.slice(0, -2)}${last}${token.at(-1)}`)).toBeUndefined();
    expect(
      await continuations.open('second-factor', `active-kid.${JSON.stringify({ sub: 'x', jti: 'j', exp: Date.now() + 1e6 })}`),
    ).toBeUndefined();
    expect(await continuations.open('second-factor', 'no-dot-at-all')).toBeUndefined();
    keys.forget('active-kid');
    expect(await continuations.open('second-factor', token)).toBeUndefined();
  });

  it('still opens one sealed before a rotation while its key is held', async () => {
    const keys = keyring();
    const continuations = createSealedContinuations(keys);
    const token = await continuations.seal('second-factor', { sub: 'someone' }, 60_000);
    keys.rotateTo('next-kid');
    expect(await continuations.open('second-factor', token)).toMatchObject({ sub: 'someone' });
    expect((await continuations.seal('second-factor', {}, 60_000)).startsWith('next-kid.')).toBe(true);
  });

  it('refuses one past its end', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-05T10:00:00Z') });
    const continuations = createSealedContinuations(keyring());
    const token = await continuations.seal('second-factor', { sub: 'someone' }, 5 * 60_000);
    vi.setSystemTime(new Date('2026-12-05T10:04:59Z'));
    expect(await continuations.open('second-factor', token)).toBeDefined();
    vi.setSystemTime(new Date('2026-12-05T10:05:00Z'));
    expect(await continuations.open('second-factor', token)).toBeUndefined();
  });
});
