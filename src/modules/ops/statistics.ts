import type { Static } from '@sinclair/typebox';
import type { Executor } from '../../db/client.js';
import type { Overview } from './schemas.js';

type OverviewShape = Static<typeof Overview>;
/** The parts of the overview, each computed in SQL by the module that owns its tables. */
export type OverviewParts = Omit<OverviewShape, 'generatedAt' | 'days'>;
/** `organizationId`: the reader's organization, or undefined for a reader across all; `since`: the first day counted. */
export type StatisticsScope = { organizationId: string | undefined; since: Date };
export type StatisticsPart<K extends keyof OverviewParts> = (db: Executor, scope: StatisticsScope) => Promise<OverviewParts[K]>;

/** The overview covers this many days, today included. */
export const OVERVIEW_DAYS = 30;
/** Figures are recomputed at most this often per organization: every chart on the page reads one answer. */
const CACHE_MS = 30_000;

/** Fills every day of the window, zero where nothing happened, from a day → count list the SQL grouped. */
export function dailySeries(rows: { day: string; count: number }[], since: Date) {
  const counts = new Map(rows.map((row) => [row.day, Number(row.count)]));
  return Array.from({ length: OVERVIEW_DAYS }, (_, index) => {
    const day = new Date(since.getTime() + index * 86_400_000).toISOString().slice(0, 10);
    return { day, count: counts.get(day) ?? 0 };
  });
}

/**
 * The administrators' overview: the figures of every module, registered at wiring time (ops is wired first
 * and reaches nobody), computed on a read connection and kept briefly per organization.
 */
export function createStatistics() {
  const parts: { [K in keyof OverviewParts]?: StatisticsPart<K> } = {};
  const cache = new Map<string, { at: number; value: Promise<OverviewShape> }>();

  async function compute(db: Executor, organizationId: string | undefined): Promise<OverviewShape> {
    const today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const since = new Date(today.getTime() - (OVERVIEW_DAYS - 1) * 86_400_000);
    const scope = { organizationId, since };
    const entries = await Promise.all(
      (Object.keys(parts) as (keyof OverviewParts)[]).map(async (name) => [
        name,
        await (parts[name] as StatisticsPart<typeof name>)(db, scope),
      ]),
    );
    const missing = ['users', 'roles', 'signIns', 'failedSignIns', 'invitations'].filter((name) => !(name in parts));
    if (missing.length) throw new Error(`statistics parts not registered: ${missing.join(', ')}`);
    return { generatedAt: new Date().toISOString(), days: OVERVIEW_DAYS, ...(Object.fromEntries(entries) as OverviewParts) };
  }

  return {
    register<K extends keyof OverviewParts>(name: K, part: StatisticsPart<K>) {
      (parts as Record<K, StatisticsPart<K>>)[name] = part;
    },
    overview(db: Executor, organizationId: string | undefined): Promise<OverviewShape> {
      const key = organizationId ?? '*';
      const held = cache.get(key);
      if (held && Date.now() - held.at < CACHE_MS) return held.value;
      const value = compute(db, organizationId);
      cache.set(key, { at: Date.now(), value });
      value.catch(() => cache.delete(key));
      return value;
    },
  };
}

export type Statistics = ReturnType<typeof createStatistics>;
