import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repeatAfterEachPass } from './repeating.js';

describe('repeatAfterEachPass', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits for a slow pass before counting to the next, and goes on after a failure', async () => {
    const started: number[] = [];
    const failures: unknown[] = [];
    let calls = 0;
    const repeating = repeatAfterEachPass(
      async () => {
        started.push(Date.now());
        calls++;
        if (calls === 2) throw new Error('database away');
        await new Promise((resolve) => setTimeout(resolve, 500));
      },
      1_000,
      { firstAfterMs: 0, onFailure: (error) => failures.push(error) },
    );
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(4_000);
    repeating.stop();
    // 0: first pass (500 ms) → 1,500: second fails at once → 2,500: third (500 ms) → 4,000: fourth.
    expect(started.map((at) => at - t0)).toEqual([0, 1_500, 2_500, 4_000]);
    expect(failures).toHaveLength(1);
  });

  it('runs no pass once stopped, even when stopped during one', async () => {
    let calls = 0;
    const repeating = repeatAfterEachPass(
      async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      },
      1_000,
      { onFailure: () => undefined },
    );
    await vi.advanceTimersByTimeAsync(1_050);
    expect(calls).toBe(1);
    repeating.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
  });
});
