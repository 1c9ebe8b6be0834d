import { Redis } from 'ioredis';

/**
 * State that every Tessera node must agree on: counters for rate limits, short-lived cache
 * entries, and invalidation messages. Redis when configured; otherwise this process alone.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Atomically adds one and returns the new count and the time left on the window. */
  increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  ping(): Promise<number>;
  close(): Promise<void>;
}

export function createMemoryState(): SharedState {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const handlers = new Map<string, ((message: string) => void)[]>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  // Expired entries are dropped lazily on read and swept now and then, so memory stays bounded.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  }, 60_000);
  sweep.unref();
  return {
    kind: 'memory',
    get: async (key) => live(key)?.value,
    set: async (key, value, ttlMs) => {
      entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    },
    del: async (...keys) => {
      for (const key of keys) entries.delete(key);
    },
    increment: async (key, windowMs) => {
      const entry = live(key) ?? { value: '0', expiresAt: Date.now() + windowMs };
      entry.value = String(Number(entry.value) + 1);
      entries.set(key, entry);
      return { count: Number(entry.value), ttlMs: entry.expiresAt - Date.now() };
    },
    publish: async (channel, message) => {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    },
    subscribe: async (channel, handler) => {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    ping: async () => 0,
    close: async () => clearInterval(sweep),
  };
}

const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

export function createRedisState(url: string, prefix = 'tessera:'): SharedState {
  const client = new Redis(url, { keyPrefix: prefix, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  let subscriber: Redis | undefined;
  const handlers = new Map<string, ((message: string) => void)[]>();
  // Errors surface on the commands that fail; the event only keeps ioredis from crashing the process.
  client.on('error', () => {});
  return {
    kind: 'redis',
    get: async (key) => (await client.get(key)) ?? undefined,
    set: async (key, value, ttlMs) => {
      await client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    del: async (...keys) => {
      if (keys.length > 0) await client.del(...keys);
    },
    increment: async (key, windowMs) => {
      const [count, ttlMs] = (await client.eval(INCREMENT, 1, key, String(windowMs))) as [number, number];
      return { count, ttlMs: ttlMs < 0 ? windowMs : ttlMs };
    },
    publish: async (channel, message) => {
      await client.publish(prefix + channel, message);
    },
    subscribe: async (channel, handler) => {
      if (!subscriber) {
        subscriber = new Redis(url, { maxRetriesPerRequest: null });
        subscriber.on('error', () => {});
        subscriber.on('message', (fullChannel: string, message: string) => {
          for (const registered of handlers.get(fullChannel) ?? []) registered(message);
        });
      }
      handlers.set(prefix + channel, [...(handlers.get(prefix + channel) ?? []), handler]);
      await subscriber.subscribe(prefix + channel);
    },
    ping: async () => {
      const started = performance.now();
      await client.ping();
      return performance.now() - started;
    },
    close: async () => {
      await Promise.all([client.quit().catch(() => {}), subscriber?.quit().catch(() => {})]);
    },
  };
}
