import { describe, expect, it } from 'vitest';
import { createPrimaryHistory, isReplicaUnavailable, walPosition } from './replicas.js';

describe('WAL positions', () => {
  it('compare as strings in the order PostgreSQL gives them', () => {
    const positions = ['0/3000148', '0/FFFFFFFF', '1/0', '16/B374D848', 'A/1'].map(walPosition);
    expect(positions).toEqual(['0000000003000148', '00000000FFFFFFFF', '0000000100000000', '00000016B374D848', '0000000A00000001']);
    expect([...positions].sort()).toEqual([positions[0], positions[1], positions[2], positions[4], positions[3]]);
  });
});

describe('replica lag, dated against the primary', () => {
  const [p1, p2, p3] = ['0/100', '0/200', '0/300'].map(walPosition) as [string, string, string];

  it('is 0 for a replica that has what the primary last had, however idle the primary', () => {
    const history = createPrimaryHistory();
    history.seen(p1, 0);
    history.seen(p1, 3_600_000);
    expect(history.lagOf(p1, 3_600_100)).toBe(0);
  });

  it('counts from the last moment the primary was seen at the replica’s position', () => {
    const history = createPrimaryHistory();
    history.seen(p1, 1000);
    history.seen(p1, 1250);
    history.seen(p2, 1500);
    history.seen(p3, 1750);
    expect(history.lagOf(p1, 2000)).toBe(750);
    expect(history.lagOf(p2, 2000)).toBe(500);
    // Between two samples: what the primary had at the earlier one is replayed, the rest may not be.
    expect(history.lagOf(walPosition('0/250'), 2000)).toBe(500);
  });

  it('is infinite for a position older than the remembered window', () => {
    const history = createPrimaryHistory(1000);
    history.seen(p2, 0);
    history.seen(p3, 5000);
    expect(history.lagOf(p1, 5000)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('which errors take a replica out of the rotation', () => {
  it('the replica cannot serve: refused, reset, timed out, shutting down, starting, out of connections, recovery conflict', () => {
    for (const code of [undefined, 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '08006', '57P01', '57P03', '53300', '40001'])
      expect(isReplicaUnavailable(Object.assign(new Error('x'), { code })), String(code)).toBe(true);
  });

  it('the query itself is wrong or too slow: the same would happen on the primary', () => {
    for (const code of ['42P01', '22P02', '57014']) expect(isReplicaUnavailable(Object.assign(new Error('x'), { code })), code).toBe(false);
  });
});
