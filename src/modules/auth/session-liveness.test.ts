import { describe, expect, it } from 'vitest';
import { switchableState } from '../../../test/helpers/switchable-state.js';
import { createSessionLiveness } from './session-liveness.js';

/** What the auth service does: ask memory, else read the database and remember what it said. */
function check(liveness: ReturnType<typeof createSessionLiveness>, sessionId: string, userId = 'u1') {
  if (liveness.isKnownLive(sessionId)) return 'memory';
  liveness.rememberLive(sessionId, userId);
  return 'database';
}

describe('session liveness', () => {
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
    liveness.rememberLive('s1', 'u1');
    expect(liveness.isKnownLive('s1')).toBe(false);
  });
});
