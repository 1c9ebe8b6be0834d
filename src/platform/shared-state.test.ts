import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryState, createRedisState, type SharedState } from './shared-state.js';

const redisUrl = process.env.REDIS_URL;
const states: [string, () => SharedState][] = [
  ['in process', createMemoryState],
  ...(redisUrl
    ? [['Redis', () => createRedisState(redisUrl, `tessera-test-${process.pid}-${Date.now()}:`)] as [string, () => SharedState]]
    : []),
];

describe.each(states)('a counter given back (%s)', (_name, create) => {
  const state = create();
  afterAll(() => state.close());

  it('takes one back within its window and keeps the window', async () => {
    await state.increment('budget', 60_000);
    const { ttlMs } = await state.increment('budget', 60_000);
    await state.decrement('budget');
    const next = await state.increment('budget', 60_000);
    expect(next.count).toBe(2);
    expect(next.ttlMs).toBeLessThanOrEqual(ttlMs);
  });

  it('never goes below zero and never starts a window', async () => {
    await state.decrement('unknown');
    expect(await state.get('unknown')).toBeUndefined();
    await state.increment('once', 60_000);
    await state.decrement('once');
    await state.decrement('once');
    expect((await state.increment('once', 60_000)).count).toBe(1);
  });
});
