import { describe, expect, it } from 'vitest';
import { createMemoryState, type SharedState } from '../../platform/shared-state.js';
import { createLoginThrottle, FREE_PER_SOURCE } from './login-throttle.js';

const noKnownDevice = async () => false;

/** Shared state whose stamps (`set`) wait until released: the moment between a counter's increment and its stamp. */
function stampsHeld(state: SharedState) {
  const held: (() => void)[] = [];
  const wrapped: SharedState = {
    ...state,
    set: (key, value, ttlMs) => new Promise<void>((resolve) => held.push(() => void state.set(key, value, ttlMs).then(resolve))),
  };
  const release = () => {
    for (const go of held.splice(0)) go();
  };
  return { state: wrapped, release };
}

describe('login throttle', () => {
  it('admits the free attempts from one source, then holds the identifier', async () => {
    const throttle = createLoginThrottle(createMemoryState());
    for (let i = 0; i < FREE_PER_SOURCE; i++)
      expect(await throttle.attempt({ identifier: 'a@example.com' }, '10.0.0.1', noKnownDevice)).toBeUndefined();
    expect(await throttle.attempt({ identifier: 'a@example.com' }, '10.0.0.1', noKnownDevice)).toBe(1);
    expect(await throttle.attempt({ identifier: 'a@example.com' }, '10.0.0.2', noKnownDevice)).toBeUndefined();
  });

  it('counts an IPv6 source by its /64, and an IPv4-mapped one as its IPv4 address', async () => {
    const throttle = createLoginThrottle(createMemoryState());
    // Rotating through one /64 is one source: the sixth attempt waits, from whichever of its addresses.
    for (let i = 1; i <= FREE_PER_SOURCE; i++)
      expect(await throttle.attempt({ identifier: 'c@example.com' }, `2001:db8:1:2::${i}`, noKnownDevice)).toBeUndefined();
    expect(await throttle.attempt({ identifier: 'c@example.com' }, '2001:db8:1:2:ffff::9', noKnownDevice)).toBe(1);
    expect(await throttle.attempt({ identifier: 'c@example.com' }, '2001:db8:1:3::1', noKnownDevice)).toBeUndefined();

    for (let i = 0; i < FREE_PER_SOURCE; i++)
      expect(await throttle.attempt({ identifier: 'd@example.com' }, '1.2.3.4', noKnownDevice)).toBeUndefined();
    expect(await throttle.attempt({ identifier: 'd@example.com' }, '::ffff:1.2.3.4', noKnownDevice)).toBe(1);
  });

  it('holds an attempt that reads the free attempts counted before any of them was stamped', async () => {
    const { state, release } = stampsHeld(createMemoryState());
    const throttle = createLoginThrottle(state);
    // The free attempts race in parallel: each is counted, none has stamped its time yet.
    const free = Array.from({ length: FREE_PER_SOURCE }, () =>
      throttle.attempt({ identifier: 'b@example.com' }, '10.0.0.1', noKnownDevice),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const late = throttle.attempt({ identifier: 'b@example.com' }, '10.0.0.1', noKnownDevice);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await Promise.all(free)).toEqual(Array(FREE_PER_SOURCE).fill(undefined));
    expect(await late).toBe(1);
  });
});
