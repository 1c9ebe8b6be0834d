import type { SharedState } from '../../platform/shared-state.js';

const CHANNEL = 'session-revoked';
const LIVE_TTL_MS = 30_000;
/** Bounds the sessions being looked up at once; past it the lookups in flight simply are not remembered. */
const MAX_PENDING = 10_000;

/**
 * "Is this session still live?" answered from memory in microseconds. The database stays the truth:
 * an entry lives 30 s at most and never past the session's own expiry, and every revocation is broadcast
 * (Redis pub/sub across nodes, or in process) so that logout, suspension and password reset cut access at
 * once everywhere.
 *
 * The memory is only as good as the broadcast. While the bus is down every check reads the database,
 * and when it comes back everything remembered is dropped (revocations published meanwhile were lost).
 * A lookup that a revocation overtook is not remembered either: it may have read the row just before.
 */
export function createSessionLiveness(state: SharedState) {
  const live = new Map<string, { userId: string; until: number }>();
  /** Sessions being read from the database since the last revocation that could concern them. */
  const pending = new Set<string>();
  const forget = (message: string) => {
    const [kind, id] = message.split(':');
    if (kind === 'session' && id) {
      live.delete(id);
      pending.delete(id);
    }
    if (kind === 'user' && id) {
      for (const [sessionId, entry] of live) if (entry.userId === id) live.delete(sessionId);
      pending.clear();
    }
  };
  state.onMessagesLost(() => {
    live.clear();
    pending.clear();
  });
  const ready = state.subscribe(CHANNEL, forget);
  return {
    ready,
    isKnownLive(sessionId: string): boolean {
      if (!state.isConnected()) return false;
      const entry = live.get(sessionId);
      if (entry !== undefined && entry.until > Date.now()) return true;
      if (pending.size >= MAX_PENDING) pending.clear();
      pending.add(sessionId);
      return false;
    },
    /**
     * Call with what the database said after `isKnownLive` answered false: live, until `endsAt` (its absolute or
     * idle expiry) at the latest. Past that moment the database would say it ended, so memory may not say live.
     */
    rememberLive(sessionId: string, userId: string, endsAt: Date) {
      const until = Math.min(Date.now() + LIVE_TTL_MS, endsAt.getTime());
      if (pending.delete(sessionId) && state.isConnected()) live.set(sessionId, { userId, until });
    },
    /** Call after the revocation has committed. Never throws: with the bus down, other nodes read the database anyway. */
    async revoked(target: { sessionId: string } | { userId: string }) {
      const message = 'sessionId' in target ? `session:${target.sessionId}` : `user:${target.userId}`;
      forget(message);
      await state.publish(CHANNEL, message);
    },
  };
}

export type SessionLiveness = ReturnType<typeof createSessionLiveness>;
