import { describe, expect, it } from 'vitest';
import { clientNetworkOf } from './client-network.js';

describe('clientNetworkOf', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientNetworkOf('203.0.113.9')).toBe('203.0.113.9');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(clientNetworkOf('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(clientNetworkOf('::ffff:102:304')).toBe('1.2.3.4');
  });

  it('names an IPv6 address by its /64, however it is written', () => {
    expect(clientNetworkOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientNetworkOf('2001:0DB8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetworkOf('fe80::1%eth0')).toBe('fe80::/64');
    expect(clientNetworkOf('2001:db8:1:3::1')).not.toBe(clientNetworkOf('2001:db8:1:2::1'));
  });

  it('leaves what is no address as it is', () => {
    expect(clientNetworkOf('unknown')).toBe('unknown');
  });
});
