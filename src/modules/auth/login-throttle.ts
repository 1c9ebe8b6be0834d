import { clientNetworkOf } from '../../platform/client-network.js';
import type { SharedState } from '../../platform/shared-state.js';
import { sha256 } from './secrets.js';

/** How long a failed attempt counts. */
export const WINDOW_MS = 3_600_000;
/** Failures one source (an IPv4 address, an IPv6 /64) may make against one identifier or account before the waits begin. */
export const FREE_PER_SOURCE = 5;
/** Failures from all sources together: guessing spread over many addresses, far above an owner's typos. */
const FREE_FROM_ALL_SOURCES = 50;
const MAX_WAIT_SECONDS = 900;

/** One failure counter: how many attempts it has counted in the window, and when the last was counted. */
interface Counter {
  count: string;
  last: string;
  free: number;
}

/** What a counter holds now, and how long the next attempt it counts must still wait (0: it may go). */
interface Reading {
  counted: number;
  waitMs: number;
}

/** After `counted` failures past the free ones, each further attempt waits twice as long: 1 s, 2 s, 4 s … 15 min. */
const waitAfter = (counted: number, free: number) => (counted < free ? 0 : Math.min(2 ** (counted - free), MAX_WAIT_SECONDS) * 1000);
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Whose failures a counter counts: what was typed to sign in (whether or not an account has it, so a 429 says
 * nothing about existence), or the account it resolved to, which every identifier of that account shares.
 */
export type ThrottleSubject = { identifier: string } | { accountId: string };

const subjectKey = (subject: ThrottleSubject) =>
  'identifier' in subject ? sha256(subject.identifier.trim().toLowerCase()) : `account:${subject.accountId}`;

/**
 * Failed sign-ins per subject (a submitted identifier, or an account: sign-in.ts counts both), counted twice: per
 * source, and per subject whatever the source.
 *
 * - Per subject and source (an IPv4 address, or an IPv6 /64: one customer's addresses): five free
 *   attempts, then each further one waits twice as long as the one before (1 s, 2 s, 4 s … 15 min). One
 *   source guessing holds up only itself: the owner signing in from anywhere else is not affected.
 * - Per subject, all sources together: fifty free attempts, then the same doubling waits, against
 *   guessing spread over many addresses. While this holds, only a device that signed in to the account
 *   before (`knownDevice`: a session from the same ip address and user agent) gets through.
 * - A refused attempt is not counted and does not move the wait: hammering a held subject does not
 *   lengthen its hold. Every admitted attempt is counted atomically before the password is checked, so
 *   parallel guesses cannot slip past (one that lost that race is refused, counted).
 * - A sign-in that succeeds clears its source's counts and the overall ones; so does a password reset.
 *   Password reset is not behind this, so a held owner can always recover.
 *
 * With Redis away the counts are each node's own (SharedState falls back per process): neither open
 * nor closed. Guesses spread over N nodes get N times the budget for the outage, and the shared counts
 * from before it apply again when it ends. Refusing every sign-in instead would make a cache outage a
 * lockout of everybody, which an attacker could then cause on purpose.
 */
export function createLoginThrottle(state: SharedState) {
  const overallCounter = (subject: ThrottleSubject): Counter => {
    const key = subjectKey(subject);
    return { count: `login-fail:${key}`, last: `login-last:${key}`, free: FREE_FROM_ALL_SOURCES };
  };
  const sourceCounter = (subject: ThrottleSubject, source: string | null): Counter => {
    const overall = overallCounter(subject);
    const from = sha256(clientNetworkOf(source ?? 'unknown'));
    return { count: `${overall.count}:${from}`, last: `${overall.last}:${from}`, free: FREE_PER_SOURCE };
  };

  async function read(counter: Counter): Promise<Reading> {
    const [count, last] = await Promise.all([state.get(counter.count), state.get(counter.last)]);
    const counted = Number(count ?? 0);
    // Counted but not yet stamped: a parallel attempt is between its increment and its stamp, so it is "just now".
    const lastAt = last ? Number(last) : Date.now();
    const waitMs = lastAt + waitAfter(counted, counter.free) - Date.now();
    return { counted, waitMs: Math.max(0, waitMs) };
  }

  /** Counts an admitted attempt; says how long to wait when a parallel one was counted first and this one must wait after all. */
  async function count(counter: Counter, seen: Reading): Promise<number> {
    const { count: counted } = await state.increment(counter.count, WINDOW_MS);
    await state.set(counter.last, String(Date.now()), WINDOW_MS);
    const alone = counted === seen.counted + 1;
    return counted <= counter.free || alone ? 0 : waitAfter(counted - 1, counter.free);
  }

  return {
    /**
     * Counts this attempt from `source` against `subject`; returns the seconds to wait when it must be refused.
     * `knownDevice` is asked only while the count of all sources holds the subject.
     */
    async attempt(subject: ThrottleSubject, source: string | null, knownDevice: () => Promise<boolean>): Promise<number | undefined> {
      const bySource = sourceCounter(subject, source);
      const bySubject = overallCounter(subject);
      const [fromSource, overall] = await Promise.all([read(bySource), read(bySubject)]);
      if (fromSource.waitMs > 0) return seconds(fromSource.waitMs);
      const subjectHeld = overall.waitMs > 0;
      if (subjectHeld && !(await knownDevice())) return seconds(overall.waitMs);
      // A known device's attempt while the subject is held counts for its source only: it must not lengthen the hold.
      const waits = await Promise.all([count(bySource, fromSource), subjectHeld ? 0 : count(bySubject, overall)]);
      const waitMs = Math.max(...waits);
      return waitMs > 0 ? seconds(waitMs) : undefined;
    },
    async clear(source: string | null, ...subjects: ThrottleSubject[]) {
      const counters = subjects.flatMap((subject) => [overallCounter(subject), sourceCounter(subject, source)]);
      await state.del(...counters.flatMap((counter) => [counter.count, counter.last]));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
