import { describe, expect, it } from 'vitest';
import { cronEvery, localDay, windowsAt, zoneOrUtc } from './calendar.js';

describe('learning calendar', () => {
  it("puts an instant on the learner's local day", () => {
    const instant = new Date('2026-03-01T15:30:00Z');
    expect(localDay(instant, 'UTC')).toBe('2026-03-01');
    expect(localDay(instant, 'Asia/Tokyo')).toBe('2026-03-02');
    expect(localDay(instant, 'America/Los_Angeles')).toBe('2026-03-01');
    expect(zoneOrUtc('Mars/Olympus_Mons')).toBe('UTC');
    expect(zoneOrUtc(null)).toBe('UTC');
  });

  it('starts weeks on Monday and months on the 1st, across year ends', () => {
    expect(windowsAt(new Date('2026-03-04T12:00:00Z'), 'UTC')).toEqual({
      today: '2026-03-04',
      yesterday: '2026-03-03',
      weekStart: '2026-03-02',
      monthStart: '2026-03-01',
    });
    expect(windowsAt(new Date('2027-01-01T03:00:00Z'), 'UTC')).toMatchObject({ yesterday: '2026-12-31', weekStart: '2026-12-28' });
    expect(windowsAt(new Date('2026-03-08T20:00:00Z'), 'Asia/Tokyo')).toMatchObject({ today: '2026-03-09', weekStart: '2026-03-09' });
  });

  it('turns STATS_UPDATE_INTERVAL into a cron schedule', () => {
    const minute = 60_000;
    expect(cronEvery(30 * 1000)).toBe('* * * * *');
    expect(cronEvery(5 * minute)).toBe('*/5 * * * *');
    expect(cronEvery(7 * minute)).toBe('*/6 * * * *');
    expect(cronEvery(60 * minute)).toBe('0 * * * *');
    expect(cronEvery(5 * 60 * minute)).toBe('0 */4 * * *');
    expect(cronEvery(24 * 60 * minute)).toBe('0 0 * * *');
    expect(cronEvery(7 * 24 * 60 * minute)).toBe('0 0 * * *');
  });
});
