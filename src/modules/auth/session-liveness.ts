import type { SharedState } from '../../platform/shared-state.js';

const CHANNEL = 'session-revoked';
const LIVE_TTL_MS = 30_000;

/**
 * "Is this session still live?" answered from memory in microseconds. The database stays the truth:
 * an entry lives 30 s at most, and every revocation is broadcast (Redis pub/sub across nodes, or in
 * process) so that logout, suspension and password reset cut access at once everywhere.
 */
export function createSessionLiveness(state: SharedState) {
  const live = new Map<string, { userId: string; until: number }>();
  const ready = state.subscribe(CHANNEL, (message) => {
    const [kind, id] = message.split(':');
    if (kind === 'session' && id) live.delete(id);
    if (kind === 'user' && id) for (const [sessionId, entry] of live) if (entry.userId === id) live.delete(sessionId);
  });
  return {
    ready,
    isKnownLive(sessionId: string): boolean {
      const entry = live.get(sessionId);
      return entry !== undefined && entry.until > Date.now();
    },
    rememberLive(sessionId: string, userId: string) {
      live.set(sessionId, { userId, until: Date.now() + LIVE_TTL_MS });
    },
    /** Call after the revocation has committed. */
    async revoked(target: { sessionId: string } | { userId: string }) {
      await state.publish(CHANNEL, 'sessionId' in target ? `session:${target.sessionId}` : `user:${target.userId}`);
    },
  };
}

export type SessionLiveness = ReturnType<typeof createSessionLiveness>;
