/** Calendar arithmetic on local days ('YYYY-MM-DD'): the weeks, months and streaks of a user's timezone. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat | undefined {
  if (!formatters.has(zone)) {
    try {
      formatters.set(zone, new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }));
    } catch {
      return undefined;
    }
  }
  return formatters.get(zone);
}

/** The zone if this runtime knows it; profiles written before timezones were validated may hold anything. */
export const zoneOrUtc = (zone: string | null | undefined): string => (zone && formatterFor(zone) ? zone : 'UTC');

/** The calendar day an instant falls on in a zone. */
export function localDay(instant: Date, zone: string): string {
  const parts = (formatterFor(zone) ?? (formatterFor('UTC') as Intl.DateTimeFormat)).formatToParts(instant);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

const toDate = (day: string) => new Date(`${day}T00:00:00Z`);
const fromDate = (date: Date) => date.toISOString().slice(0, 10);

export const addDays = (day: string, days: number) => fromDate(new Date(toDate(day).getTime() + days * 86_400_000));

/** Weeks start on Monday (ISO 8601). */
export const weekStart = (day: string) => addDays(day, -((toDate(day).getUTCDay() + 6) % 7));

export const monthStart = (day: string) => `${day.slice(0, 7)}-01`;

/** Where "now" falls for a zone: the windows the statistics are computed over. */
export function windowsAt(now: Date, zone: string) {
  const today = localDay(now, zone);
  return { today, yesterday: addDays(today, -1), weekStart: weekStart(today), monthStart: monthStart(today) };
}

/**
 * A cron schedule for "every `ms`": cron counts minutes of the hour and hours of the day, so an interval
 * runs on the largest divisor of the hour (or of the day) not above it; a day or more runs daily.
 */
export function cronEvery(ms: number): string {
  const minutes = Math.max(1, Math.floor(ms / 60_000));
  if (minutes < 60) {
    const step = [30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1].find((divisor) => divisor <= minutes) as number;
    return step === 1 ? '* * * * *' : `*/${step} * * * *`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const step = [12, 8, 6, 4, 3, 2, 1].find((divisor) => divisor <= hours) as number;
    return step === 1 ? '0 * * * *' : `0 */${step} * * *`;
  }
  return '0 0 * * *';
}
