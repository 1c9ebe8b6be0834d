import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpErrors } from '../http/errors.js';
import { createTimingPad } from './timing-pad.js';

// On a fake clock: what is checked is when each answer is let go, not how fast anything runs.
describe('createTimingPad', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  /** Runs work that takes `ms` on the fake clock; resolves with the clock's reading when the pad lets it answer. */
  async function answeredAfter(pad: ReturnType<typeof createTimingPad>, ms: number, fails?: Error) {
    const started = performance.now();
    const answer = pad
      .pad(async () => {
        await vi.advanceTimersByTimeAsync(ms);
        if (fails) throw fails;
      })
      .catch(() => undefined)
      .then(() => performance.now() - started);
    await vi.runAllTimersAsync();
    return answer;
  }

  it('lets a quick run and a slow one answer after the same time, the slowest recent run', async () => {
    const pad = createTimingPad();
    expect(await answeredAfter(pad, 30)).toBe(30);
    expect(await answeredAfter(pad, 5)).toBe(30);
    expect(await answeredAfter(pad, 25)).toBe(30);
    expect(await answeredAfter(pad, 5, httpErrors.RATE_LIMITED())).toBe(30);
    expect(await answeredAfter(pad, 40)).toBe(40);
    expect(await answeredAfter(pad, 5)).toBe(40);
  });

  it('forgets a slow run once as many newer ones are kept', async () => {
    const pad = createTimingPad(2);
    await answeredAfter(pad, 50);
    await answeredAfter(pad, 5);
    expect(await answeredAfter(pad, 5)).toBe(5);
  });

  it('lets a run the machine failed answer at once, and keeps it from slowing the runs after', async () => {
    const pad = createTimingPad();
    expect(await answeredAfter(pad, 10)).toBe(10);
    expect(await answeredAfter(pad, 5000, new Error('no database connection came free'))).toBe(5000);
    expect(await answeredAfter(pad, 2, httpErrors.DATABASE_UNAVAILABLE())).toBe(2);
    expect(await answeredAfter(pad, 5)).toBe(10);
  });
});
