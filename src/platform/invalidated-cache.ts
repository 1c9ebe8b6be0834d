import type { SharedState } from './shared-state.js';

const EVERYTHING = '*';

export interface InvalidatedCacheOptions<V> {
  /** The invalidation channel every node of this cache listens on. */
  channel: string;
  /** Bounds memory and a message lost without anyone noticing; correctness comes from the invalidations. */
  ttlMs: number;
  /** Past it the oldest entries go first. */
  maxEntries: number;
  /** When a value stops being true by itself (a temporary grant lapsing), as epoch ms. */
  validUntil?: (value: V) => number;
}

/**
 * Values read from the database and kept in this process (a map read costs microseconds), dropped on
 * every node when a change publishes an invalidation through the shared state (Redis pub/sub when present).
 * The cache is trusted only while invalidations can arrive: with the bus down every read goes to the
 * database, and when it is back everything cached is dropped (the invalidations published meanwhile were
 * lost). A value read before an invalidation may predate the change, so it is not kept.
 */
export function createInvalidatedCache<V>(state: SharedState, options: InvalidatedCacheOptions<V>) {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  // Bumped by every invalidation: a read that started before one is answered but not kept.
  let generation = 0;
  const drop = (key: string) => {
    generation++;
    if (key === EVERYTHING) entries.clear();
    else entries.delete(key);
  };
  state.onMessagesLost(() => drop(EVERYTHING));
  const ready = state.subscribe(options.channel, drop);

  function keep(key: string, value: V) {
    entries.delete(key);
    if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
    const expiresAt = Math.min(Date.now() + options.ttlMs, options.validUntil?.(value) ?? Number.POSITIVE_INFINITY);
    entries.set(key, { value, expiresAt });
  }

  return {
    ready,
    /** The cached value, or `load`'s (kept unless undefined, superseded meanwhile, or the bus is down). */
    async get(key: string, load: () => Promise<V>): Promise<V> {
      const cached = state.isConnected() ? entries.get(key) : undefined;
      if (cached && cached.expiresAt > Date.now()) return cached.value;
      const readAt = generation;
      const value = await load();
      if (value !== undefined && generation === readAt && state.isConnected()) keep(key, value);
      return value;
    },
    /** Call after the change has committed; without a key every entry goes. Never throws. */
    async invalidate(key?: string) {
      const message = key ?? EVERYTHING;
      drop(message);
      await state.publish(options.channel, message);
    },
  };
}
