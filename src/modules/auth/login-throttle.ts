import type { SharedState } from '../../platform/shared-state.js';
import { sha256 } from './secrets.js';

const WINDOW_MS = 3_600_000;
const FREE_ATTEMPTS = 5;
const MAX_WAIT_SECONDS = 900;

/**
 * Failed sign-ins per submitted identifier, whether or not an account has it (so a 429 says nothing
 * about existence). Every attempt is counted atomically before the password is checked, so parallel
 * guesses cannot slip past; after five, each further attempt must wait twice as long as the one
 * before (1 s, 2 s, 4 s … 15 min), which caps guessing at a few dozen an hour. A success clears it.
 * Password reset is not behind this, so a throttled owner can always recover.
 *
 * With Redis away the counts are each node's own (SharedState falls back per process): neither open
 * nor closed. Guesses spread over N nodes get N times the budget for the outage, and the shared counts
 * from before it apply again when it ends. Refusing every sign-in instead would make a cache outage a
 * lockout of everybody, which an attacker could then cause on purpose.
 */
export function createLoginThrottle(state: SharedState) {
  const keys = (identifier: string) => {
    const id = sha256(identifier.trim().toLowerCase());
    return { count: `login-fail:${id}`, last: `login-last:${id}` };
  };
  return {
    /** Counts this attempt; returns the seconds to wait when it must be refused. */
    async attempt(identifier: string): Promise<number | undefined> {
      const key = keys(identifier);
      const [{ count }, last] = await Promise.all([state.increment(key.count, WINDOW_MS), state.get(key.last)]);
      await state.set(key.last, String(Date.now()), WINDOW_MS);
      if (count <= FREE_ATTEMPTS || !last) return undefined;
      const waitMs = Math.min(2 ** (count - FREE_ATTEMPTS - 1), MAX_WAIT_SECONDS) * 1000;
      const remaining = Number(last) + waitMs - Date.now();
      return remaining > 0 ? Math.ceil(remaining / 1000) : undefined;
    },
    async failures(identifier: string): Promise<number> {
      return Number((await state.get(keys(identifier).count)) ?? 0);
    },
    async clear(...identifiers: string[]) {
      await state.del(...identifiers.flatMap((identifier) => Object.values(keys(identifier))));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
