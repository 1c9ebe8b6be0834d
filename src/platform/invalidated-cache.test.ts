import { describe, expect, it } from 'vitest';
import { switchableState } from '../../test/helpers/switchable-state.js';
import { createInvalidatedCache } from './invalidated-cache.js';
import { createMemoryState } from './shared-state.js';

/** A loader that counts its database reads; `found: false` reads nothing there. */
function counted(found = true) {
  const loader = async () => {
    loader.reads++;
    return found ? 'v' : undefined;
  };
  loader.reads = 0;
  return loader;
}

const options = { channel: 'test-invalidate', ttlMs: 60_000, maxEntries: 3 };

describe('invalidated cache', () => {
  it('answers from memory until an invalidation, on every node of the bus', async () => {
    const bus = createMemoryState();
    const here = createInvalidatedCache<string | undefined>(bus, options);
    const there = createInvalidatedCache<string | undefined>(bus, options);
    const load = counted();
    await here.get('k', load);
    await there.get('k', load);
    await here.get('k', load);
    await there.get('k', load);
    expect(load.reads).toBe(2);
    await here.invalidate('k');
    await there.get('k', load);
    expect(load.reads).toBe(3);
    await there.invalidate();
    await here.get('k', load);
    expect(load.reads).toBe(4);
  });

  it('reads the database while the bus is down and forgets everything when it is back', async () => {
    const bus = switchableState();
    const cache = createInvalidatedCache<string | undefined>(bus.state, options);
    const load = counted();
    await cache.get('k', load);
    bus.down();
    await cache.get('k', load);
    await cache.get('k', load);
    expect(load.reads).toBe(3);
    bus.back();
    await cache.get('k', load);
    await cache.get('k', load);
    expect(load.reads).toBe(4);
  });

  it('does not keep a read that an invalidation overtook, nor a missing value', async () => {
    const cache = createInvalidatedCache<string | undefined>(createMemoryState(), options);
    let reads = 0;
    // The database answered just before the change committed; the answer arrives after its invalidation.
    await cache.get('k', async () => {
      reads++;
      await cache.invalidate('other');
      return 'before the change';
    });
    const load = counted();
    await cache.get('k', load);
    expect(reads + load.reads).toBe(2);
    const missing = counted(false);
    await cache.get('gone', missing);
    await cache.get('gone', missing);
    expect(missing.reads).toBe(2);
  });

  it('lets a value go when it stops being true by itself, and the oldest entries past the bound', async () => {
    const lapsing = createInvalidatedCache<string | undefined>(createMemoryState(), { ...options, validUntil: () => Date.now() - 1 });
    const load = counted();
    await lapsing.get('k', load);
    await lapsing.get('k', load);
    expect(load.reads).toBe(2);

    const bounded = createInvalidatedCache<string | undefined>(createMemoryState(), options);
    const loads = ['a', 'b', 'c', 'd'].map((key) => ({ key, load: counted() }));
    for (const { key, load } of loads) await bounded.get(key, load);
    for (const { key, load } of [...loads].reverse()) await bounded.get(key, load);
    expect(loads.map(({ load }) => load.reads)).toEqual([2, 1, 1, 1]);
  });
});
