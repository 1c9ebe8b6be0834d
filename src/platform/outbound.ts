import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/** How a name becomes addresses; tests give one that answers what they need (a public name, a private address). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * Where an administrator's word must never take Tessera: its own host, the cloud metadata service, the
 * private network behind it (RFC 1918, CGNAT, unique-local, link-local), and addresses that are no host.
 */
const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address an IPv4-mapped IPv6 one (::ffff:10.0.0.1, ::ffff:a00:1) stands for, if it is one. */
function mappedIPv4(address: string): string | undefined {
  const match = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  if (!match?.[1]) return undefined;
  const tail = match[1];
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return undefined;
  const [high, low] = [Number.parseInt(hex[1] as string, 16), Number.parseInt(hex[2] as string, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Whether an address (v4 or v6, brackets allowed) is loopback, private, link-local, CGNAT, unique-local or unspecified. */
export function isPrivateAddress(raw: string): boolean {
  const address = raw.replace(/^\[|\]$/g, '');
  const mapped = mappedIPv4(address);
  if (mapped) return isPrivateAddress(mapped);
  const family = isIP(address);
  if (family === 0) return true;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a target was refused, for the problem naming its field. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

export interface OutboundOptions {
  /** ALLOW_PRIVATE_NETWORK_TARGETS: tests and closed networks reach their own hosts. */
  allowPrivate: boolean;
  /** Plain http as well as https (webhooks with WEBHOOK_ALLOW_PRIVATE_NETWORKS); never for identity providers. */
  allowHttp?: boolean;
  resolve?: Resolver;
  timeoutMs?: number;
  maxBytes?: number;
}

/**
 * The one way Tessera fetches an address an administrator named (identity providers' issuers and the
 * endpoints their discovery points to; webhooks later): https only; the host checked when the connection
 * is made, against the address actually connected to (a name that resolved publicly when it was saved
 * and privately now is refused: no DNS rebinding); bounded time and answer size.
 */
export function createOutbound({
  allowPrivate,
  allowHttp = false,
  resolve = systemResolver,
  timeoutMs = 10_000,
  maxBytes = 1_048_576,
}: OutboundOptions) {
  /** Checked at every connection: the addresses the name has now, all of them public. */
  const agent = new Agent({
    connect: {
      lookup(hostname, options, callback) {
        resolve(hostname).then(
          (addresses) => {
            const refused = addresses.find((entry) => isPrivateAddress(entry.address));
            if (addresses.length === 0 || (refused && !allowPrivate)) {
              callback(new OutboundRefused(`${hostname} resolves to a private network address`), '', 4);
            } else if ((options as { all?: boolean }).all) {
              (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
            } else {
              const [first] = addresses as [LookupAddress];
              callback(null, first.address, first.family);
            }
          },
          (error: NodeJS.ErrnoException) => callback(error, '', 4),
        );
      },
    },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  /** Refuses what may not be fetched before any connection: not https, credentials in it, or an address literal in a private range. */
  function assertAllowedUrl(raw: string | URL) {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw new OutboundRefused('must be an https URL');
    // fetch refuses such a URL, and an address is shown and audited where a password must not be.
    if (url.username || url.password) throw new OutboundRefused('must not carry a user name or password (user:password@)');
    if (!allowPrivate && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 && isPrivateAddress(url.hostname)) {
      throw new OutboundRefused(`${url.hostname} is a private network address`);
    }
    return url;
  }

  /** The first `keepBytes` of an answer's body as text (without a character they cut in two); the rest is cancelled unread. */
  async function firstBytes(response: Response, keepBytes: number) {
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader && size < keepBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    await reader?.cancel();
    // As a stream: the bytes of a character cut at the end are held back rather than decoded as U+FFFD.
    return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, keepBytes), { stream: true });
  }

  /** The answer read whole, up to maxBytes: a provider cannot stream Tessera out of memory. */
  async function bounded(response: Response) {
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
      if (done || !value) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel();
        throw new OutboundRefused(`the answer is larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
    const body = [204, 205, 304].includes(response.status) ? null : Buffer.concat(chunks);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  /** The request sent, the answer's body not read yet. With private targets allowed it goes through the process's dispatcher. */
  async function send(input: string | URL, init: RequestInit): Promise<Response> {
    const url = assertAllowedUrl(input);
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    // Redirects are not followed: each hop would be a new target to check.
    const request = { ...init, signal, redirect: 'manual' as const };
    return allowPrivate
      ? await fetch(url, request)
      : ((await undiciFetch(url, { ...(request as object), dispatcher: agent })) as unknown as Response);
  }

  return {
    assertAllowedUrl,

    /**
     * Checked when an address is saved, so an administrator hears at once: the URL, and every address its
     * host has now. A name that does not resolve yet is let through (checked again at each connection).
     */
    async assertAllowedTarget(raw: string) {
      const url = assertAllowedUrl(raw);
      if (allowPrivate || isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return;
      const addresses = await resolve(url.hostname).catch(() => []);
      if (addresses.some((entry) => isPrivateAddress(entry.address))) {
        throw new OutboundRefused(`${url.hostname} resolves to a private network address`);
      }
    },

    /** fetch, for addresses an administrator named, its answer read whole up to maxBytes. */
    fetch: async (input: string | URL, init: RequestInit = {}): Promise<Response> => bounded(await send(input, init)),

    /**
     * fetch, for an answer that is recorded rather than used (a webhook receiver's): its status, its headers and the
     * first `keepBytes` of its body as text. The rest is not read, so a long answer costs nothing and refuses nothing.
     */
    async fetchHead(input: string | URL, init: RequestInit, keepBytes: number) {
      const response = await send(input, init);
      return { status: response.status, headers: response.headers, head: await firstBytes(response, keepBytes) };
    },

    close: () => agent.close(),
  };
}

export type Outbound = ReturnType<typeof createOutbound>;
