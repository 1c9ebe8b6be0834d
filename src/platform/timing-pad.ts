import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Makes a cheap path take as long as a dearer one that must look the same from outside (sign-up with a
 * taken address and with a free one). The dearer path's recent durations on this node are kept; the cheap
 * one waits until one of them, drawn at random, has passed since it began. Drawing instead of waiting for
 * a fixed figure gives both answers one distribution of times, spread and all, not just one median, and
 * follows the machine's load as it changes.
 */
export function createTimingPad(kept = 50) {
  const durations: number[] = [];
  let next = 0;
  return {
    /** How long the dearer path took this time. */
    record(ms: number) {
      durations[next] = ms;
      next = (next + 1) % kept;
    },
    /** Waits until a recent duration of the dearer path has passed since `startedAt` (a `performance.now()`). */
    async padFrom(startedAt: number) {
      if (durations.length === 0) return;
      const remaining = startedAt + (durations[randomInt(durations.length)] ?? 0) - performance.now();
      if (remaining > 0) await sleep(remaining);
    },
  };
}
