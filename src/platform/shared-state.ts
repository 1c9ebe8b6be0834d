import { Redis } from 'ioredis';
import { createAcknowledgements } from './acknowledgements.js';
import { withDeadline } from './deadline.js';

/**
 * State that every Tessera node must agree on: counters for rate limits, short-lived cache
 * entries, and invalidation messages. Redis when configured; otherwise this process alone.
 *
 * Redis is an accelerator, never a single point of failure: no method throws or waits long because
 * Redis is away. While it is, `get`/`set`/`del`/`increment` work on this process's own entries
 * (so every limit becomes per node: neither open nor closed), `publish` reaches nobody, and
 * `isConnected()` says so, so that caches kept up to date by messages stop trusting themselves.
 * Every write that reached Redis is mirrored in those entries, so a command that times out under load
 * continues this node's counts where Redis had them instead of restarting them from zero.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Keeps the greater of the stored value and `value` (compared as strings), and renews the entry's time to live. */
  raise(key: string, value: string, ttlMs: number): Promise<void>;
  /** Atomically adds one and returns the new count and the time left on the window. */
  increment(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  /** Atomically takes one back from a count still in its window (never below zero, never starting a window). */
  decrement(key: string): Promise<void>;
  /**
   * Resolves once every node listening has handled the message (Redis: 1.5 s at most, after which a silent
   * node has stopped trusting its caches). Best effort: never throws; a
   * message published while the bus is down is lost.
   */
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  /** True while messages published by any node reach this one (always, in process). */
  isConnected(): boolean;
  /**
   * Runs when messages may have been lost, so caches kept by them must drop everything: when the bus comes
   * back after an outage here, and on every node when a node that could not publish is reachable again.
   */
  onMessagesLost(handler: () => void): void;
  /** Round trip in ms; rejects when the shared store is unavailable. */
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
    raise: async (key, value, ttlMs) => {
      const stored = live(key)?.value;
      entries.set(key, { value: stored !== undefined && stored > value ? stored : value, expiresAt: Date.now() + ttlMs });
    },
    increment: async (key, windowMs) => {
      const entry = live(key) ?? { value: '0', expiresAt: Date.now() + windowMs };
      entry.value = String(Number(entry.value) + 1);
      entries.set(key, entry);
      return { count: Number(entry.value), ttlMs: entry.expiresAt - Date.now() };
    },
    decrement: async (key) => {
      const entry = live(key);
      if (entry && Number(entry.value) > 0) entry.value = String(Number(entry.value) - 1);
    },
    publish: async (channel, message) => {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    },
    subscribe: async (channel, handler) => {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    isConnected: () => true,
    onMessagesLost: () => {},
    ping: async () => 0,
    close: async () => clearInterval(sweep),
  };
}

const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

// DECR keeps the key's time to live; a window already over is left to lapse rather than started at -1.
const DECREMENT = `local n = tonumber(redis.call('GET', KEYS[1]))
if n and n > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

const RAISE = `local stored = redis.call('GET', KEYS[1])
if stored and stored > ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])`;

/** A Redis command that has not answered by then counts as Redis being away. */
const COMMAND_TIMEOUT_MS = 500;
/**
 * How often both connections are pinged. A reset connection is noticed at once (its socket closes);
 * a silent one (packets dropped) only by a ping going unanswered, so a node may trust its caches for
 * up to HEARTBEAT_MS + COMMAND_TIMEOUT_MS after the network to Redis went silent.
 */
const HEARTBEAT_MS = 500;
/**
 * Longest a publish waits for every node to have acted on its message. A node that has not answered by then
 * has had a heartbeat go unanswered, so it no longer trusts what its caches hold; the second heartbeat is
 * room for an event loop that fires its timer late.
 */
const ACKNOWLEDGEMENT_PATIENCE_MS = 2 * HEARTBEAT_MS + COMMAND_TIMEOUT_MS;
/** Longest a start waits for Redis before it serves without it. */
const STARTUP_WAIT_MS = 2_000;

class RedisUnavailableError extends Error {
  constructor() {
    super('redis is unavailable');
  }
}

export function createRedisState(url: string, prefix = 'tessera:'): SharedState {
  // No offline queue and no retries: a command fails at once while Redis is away, and the caller falls back.
  const client = new Redis(url, {
    keyPrefix: prefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    keepAlive: 10_000,
  });
  // The subscriber keeps its offline queue, so a subscription made while Redis is away is sent when it comes back.
  const subscriber = new Redis(url, { maxRetriesPerRequest: null, keepAlive: 10_000, lazyConnect: true });
  const local = createMemoryState();
  const handlers = new Map<string, ((message: string) => void)[]>();
  const lostHandlers: (() => void)[] = [];
  const messagesLost = () => {
    for (const handler of lostHandlers) handler();
  };
  // Told to every node by one that dropped messages while it could not reach Redis (others may have heard nothing amiss).
  const lostChannel = `${prefix}messages-lost`;
  const acknowledgements = createAcknowledgements(prefix, ACKNOWLEDGEMENT_PATIENCE_MS);
  let dropped = false;
  let subscribed = false;
  // Unproven until a ping on both connections succeeds.
  let healthy = false;
  let checking: Promise<void> | undefined;
  let closed = false;
  // A start waits this long at most for Redis, in total, then serves without it and catches up when it is back.
  const startupWait = new Promise<void>((resolve) => setTimeout(resolve, STARTUP_WAIT_MS).unref());
  const whenReady = (connection: Redis) =>
    connection.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => connection.once('ready', () => resolve()));

  const connectionsReady = () => client.status === 'ready' && (!subscribed || subscriber.status === 'ready');
  const isConnected = () => healthy && connectionsReady();
  const markDown = () => {
    healthy = false;
  };
  const markUp = () => {
    if (healthy) return;
    // Caches drop what they hold before anyone can trust them again: what was published meanwhile is lost.
    messagesLost();
    healthy = true;
    if (dropped) {
      dropped = false;
      client.publish(lostChannel, '1').catch(() => {
        dropped = true;
        markDown();
      });
    }
  };

  /** Pings both connections; the subscriber's pong comes after its (re)subscriptions on the same socket. */
  const check = () => {
    checking ??= (async () => {
      try {
        if (!connectionsReady()) return markDown();
        await withDeadline(
          Promise.all([client.ping(), subscribed ? subscriber.ping() : undefined]),
          COMMAND_TIMEOUT_MS,
          () => new RedisUnavailableError(),
        );
        if (connectionsReady() && !closed) markUp();
        else markDown();
      } catch {
        markDown();
      }
    })().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  // Errors surface on the commands that fail; the event only keeps ioredis from crashing the process.
  for (const connection of [client, subscriber]) {
    connection.on('error', () => {});
    connection.on('close', markDown);
    connection.on('ready', () => setImmediate(check));
  }
  subscriber.on('message', (fullChannel: string, text: string) => {
    if (fullChannel === lostChannel) return messagesLost();
    if (fullChannel === acknowledgements.channel) return acknowledgements.heard(text);
    const { message, answer } = acknowledgements.open(text);
    for (const registered of handlers.get(fullChannel) ?? []) registered(message);
    // Unanswered, the sender waits its patience out; nothing else is lost.
    if (answer) client.publish(answer.channel, answer.number).catch(() => {});
  });
  const heartbeat = setInterval(check, HEARTBEAT_MS);
  heartbeat.unref();

  /** Redis when it is there, this process's own entries when it is not. */
  async function shared<T>(command: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!isConnected()) return fallback();
    try {
      return await command();
    } catch {
      markDown();
      return fallback();
    }
  }

  return {
    kind: 'redis',
    get: (key) =>
      shared(
        async () => (await client.get(key)) ?? undefined,
        () => local.get(key),
      ),
    set: (key, value, ttlMs) =>
      shared(
        async () => {
          await client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
          await local.set(key, value, ttlMs);
        },
        () => local.set(key, value, ttlMs),
      ),
    del: async (...keys) => {
      await local.del(...keys);
      if (keys.length > 0)
        await shared(
          async () => {
            await client.del(...keys);
          },
          async () => {},
        );
    },
    raise: (key, value, ttlMs) =>
      shared(
        async () => {
          await client.eval(RAISE, 1, key, value, String(Math.max(1, Math.round(ttlMs))));
          await local.raise(key, value, ttlMs);
        },
        () => local.raise(key, value, ttlMs),
      ),
    increment: (key, windowMs) =>
      shared(
        async () => {
          const [count, ttlMs] = (await client.eval(INCREMENT, 1, key, String(windowMs))) as [number, number];
          const left = ttlMs < 0 ? windowMs : ttlMs;
          await local.set(key, String(count), left);
          return { count, ttlMs: left };
        },
        () => local.increment(key, windowMs),
      ),
    decrement: (key) =>
      shared(
        async () => {
          await client.eval(DECREMENT, 1, key);
          await local.decrement(key);
        },
        () => local.decrement(key),
      ),
    publish: (channel, message) =>
      shared(
        () => acknowledgements.publish((text) => client.publish(prefix + channel, text), message, subscribed),
        async () => {
          dropped = true;
        },
      ),
    subscribe: async (channel, handler) => {
      const fullChannel = prefix + channel;
      handlers.set(fullChannel, [...(handlers.get(fullChannel) ?? []), handler]);
      const first = !subscribed;
      if (first) {
        subscribed = true;
        markDown();
        subscriber.connect().catch(() => {});
      }
      const channels = first ? [lostChannel, acknowledgements.channel, fullChannel] : [fullChannel];
      await Promise.race([Promise.all([subscriber.subscribe(...channels), whenReady(client)]).catch(() => {}), startupWait]);
      await check();
    },
    isConnected,
    onMessagesLost: (handler) => {
      lostHandlers.push(handler);
    },
    ping: async () => {
      if (!isConnected()) throw new RedisUnavailableError();
      const started = performance.now();
      await client.ping();
      return performance.now() - started;
    },
    close: async () => {
      closed = true;
      clearInterval(heartbeat);
      markDown();
      // QUIT when Redis answers; a connection that does not is dropped (and stops reconnecting) all the same.
      const end = async (connection: Redis) => {
        await withDeadline(connection.quit(), COMMAND_TIMEOUT_MS, () => new RedisUnavailableError()).catch(() => {});
        connection.disconnect();
      };
      await Promise.all([local.close(), end(client), subscribed ? end(subscriber) : subscriber.disconnect()]);
    },
  };
}
