import { describe, expect, it } from 'vitest';
import { dailySeries, OVERVIEW_DAYS } from './statistics.js';

describe('the overview’s daily series', () => {
  const since = new Date('2026-02-15T00:00:00Z');

  it('has every day of the window, in order, zero where nothing happened', () => {
    const series = dailySeries([], since);
    expect(series).toHaveLength(OVERVIEW_DAYS);
    expect(series[0]).toEqual({ day: '2026-02-15', count: 0 });
    // Across the end of February: 30 days from 15 February end on 16 March.
    expect(series.at(-1)).toEqual({ day: '2026-03-16', count: 0 });
    expect(series.map((point) => point.count)).toEqual(Array(OVERVIEW_DAYS).fill(0));
  });

  it('places each grouped day, counts given as text (bigint) read as numbers, and drops days outside the window', () => {
    const rows = [
      { day: '2026-02-28', count: '7' as unknown as number },
      { day: '2026-03-01', count: 2 },
      { day: '2026-02-14', count: 99 },
      { day: '2026-03-17', count: 99 },
    ];
    const series = dailySeries(rows, since);
    expect(series.find((point) => point.day === '2026-02-28')).toEqual({ day: '2026-02-28', count: 7 });
    expect(series.find((point) => point.day === '2026-03-01')).toEqual({ day: '2026-03-01', count: 2 });
    expect(series.reduce((sum, point) => sum + point.count, 0)).toBe(9);
  });
});
