import { describe, expect, it } from 'vitest';
import { verdictOf } from './targets.js';

const measured = { connections: 1, reqPerSec: 200, p50Ms: 4, p99Ms: 8, errors: 0 };

describe('verdictOf', () => {
  it('meets a latency target when the median and the p99 are both under it', () => {
    expect(verdictOf(measured, { latencyUnderMs: 10 })).toBe('yes');
  });

  it('says p50 only when the tail is over the target and the median is not', () => {
    expect(verdictOf({ ...measured, p99Ms: 12 }, { latencyUnderMs: 10 })).toBe('p50 only');
  });

  it('misses when the median is at or over the target ("< 10 ms" is strict)', () => {
    expect(verdictOf({ ...measured, p50Ms: 10, p99Ms: 30 }, { latencyUnderMs: 10 })).toBe('no');
  });

  it('misses a latency target when any request failed, however fast', () => {
    expect(verdictOf({ ...measured, errors: 1 }, { latencyUnderMs: 10 })).toBe('no');
  });

  it('meets a concurrency target with that many connections, answers and no errors', () => {
    expect(verdictOf({ ...measured, connections: 50, p50Ms: 300, p99Ms: 900 }, { concurrentClients: 50 })).toBe('yes');
  });

  it('misses a concurrency target with errors, with fewer connections, or when nothing was answered', () => {
    const fifty = { ...measured, connections: 50 };
    expect(verdictOf({ ...fifty, errors: 3 }, { concurrentClients: 50 })).toBe('no');
    expect(verdictOf({ ...fifty, connections: 10 }, { concurrentClients: 50 })).toBe('no');
    expect(verdictOf({ ...fifty, reqPerSec: 0 }, { concurrentClients: 50 })).toBe('no');
  });
});
