import ipaddr from 'ipaddr.js';

/** The 16-bit parts of an IPv6 address that name its /64: what a customer is handed (RFC 6177), not one address. */
const IPV6_NETWORK_PARTS = 4;

/**
 * The network a client's address stands for, as a per-client limit counts it: an IPv4 address itself (an
 * IPv4-mapped IPv6 one, `::ffff:a.b.c.d`, as that IPv4 address), an IPv6 address as its /64, since anyone
 * with a /64 may send from any of its 2^64 addresses and would otherwise meet no limit at all. A value that
 * is no address (none known) is its own key.
 */
export function clientNetworkOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed instanceof ipaddr.IPv4) return parsed.toString();
  const network = parsed.parts.map((part, index) => (index < IPV6_NETWORK_PARTS ? part : 0));
  return `${new ipaddr.IPv6(network).toString()}/64`;
}
