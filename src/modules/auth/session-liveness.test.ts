import { afterEach, describe, expect, it, vi } from 'vitest';
import { switchableState } from '../../../test/helpers/switchable-state.js';
import { createSessionLiveness } from './session-liveness.js';

const HOUR_MS = 3_600_000;

/** What the auth service does: ask memory, else read the database and remember what it said (a session ending in `endsInMs`). */
function check(liveness: ReturnType<typeof createSessionLiveness>, sessionId: string, endsInMs = HOUR_MS) {
  if (liveness.isKnownLive(sessionId)) return 'memory';
  liveness.rememberLive(sessionId, 'u1', new Date(Date.now() + endsInMs));
  return 'database';
}

describe('session liveness', () => {
  afterEach(() => vi.useRealTimers());

  it('remembers a session 30 s at most, and never past its own end (a driven clock)', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-07T10:00:00Z') });
    const liveness = createSessionLiveness(switchableState().state);
    expect(check(liveness, 'ending', 5_000)).toBe('database');
    expect(check(liveness, 'lasting')).toBe('database');
    vi.setSystemTime(new Date('2026-12-07T10:00:04.999Z'));
    expect(liveness.isKnownLive('ending')).toBe(true);
    // The session ends now: the database would say so, and memory does not answer for it any more.
    vi.setSystemTime(new Date('2026-12-07T10:00:05Z'));
    expect(liveness.isKnownLive('ending')).toBe(false);
    expect(liveness.isKnownLive('lasting')).toBe(true);
    vi.setSystemTime(new Date('2026-12-07T10:00:30Z'));
    expect(liveness.isKnownLive('lasting')).toBe(false);
  });

  it('answers from memory once the database said live, until a revocation', async () => {
    const liveness = createSessionLiveness(switchableState().state);
    expect(check(liveness, 's1')).toBe('database');
    expect(check(liveness, 's1')).toBe('memory');
    await liveness.revoked({ userId: 'u1' });
    expect(liveness.isKnownLive('s1')).toBe(false);
  });

  it('reads the database while the bus is down and forgets everything when it is back', () => {
    const bus = switchableState();
    const liveness = createSessionLiveness(bus.state);
    check(liveness, 's1');
    bus.down();
    expect(check(liveness, 's1')).toBe('database');
    expect(check(liveness, 's1')).toBe('database');
    bus.back();
    expect(check(liveness, 's1')).toBe('database');
    expect(check(liveness, 's1')).toBe('memory');
  });

  it('does not remember a lookup that a revocation overtook', async () => {
    const liveness = createSessionLiveness(switchableState().state);
    expect(liveness.isKnownLive('s1')).toBe(false);
    // The database said "live" just before the revocation committed; the answer arrives after it.
    await liveness.revoked({ sessionId: 's1' });
    liveness.rememberLive('s1', 'u1', new Date(Date.now() + HOUR_MS));
    expect(liveness.isKnownLive('s1')).toBe(false);
  });
});
