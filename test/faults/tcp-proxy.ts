import net from 'node:net';

export type ProxyMode = 'pass' | 'reset' | 'stall';

export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections open through the proxy right now. */
  readonly open: number;
  /**
   * Forward traffic again; stalled connections carry on where they stopped, or, with `abandonStalled`,
   * never deliver another byte (the far side lost them, as after a failover) while new ones pass.
   */
  pass(options?: { abandonStalled?: boolean }): void;
  /** Reset every open connection (RST both ways) and, until `pass`, every new one as it arrives: the server is gone. */
  reset(): void;
  /** Stop forwarding without closing anything, as over a network that drops packets: bytes wait, nobody hears a thing. */
  stall(): void;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
}

/** A TCP proxy on 127.0.0.1 in front of `target`, for injecting the faults a real network has. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const links = new Set<Link>();
  const abandoned = new Set<Link>();
  let mode: ProxyMode = 'pass';
  const cut = (link: Link) => {
    links.delete(link);
    link.client.resetAndDestroy();
    link.upstream.resetAndDestroy();
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    client.on('error', () => {});
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    upstream.on('error', () => {});
    const link = { client, upstream };
    links.add(link);
    // Written by hand rather than piped, so that pausing both sides really stops the flow.
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.on('close', () => {
        links.delete(link);
        other.destroy();
      });
    }
    if (mode === 'stall') {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    get mode() {
      return mode;
    },
    get open() {
      return links.size;
    },
    pass(options = {}) {
      mode = 'pass';
      for (const link of links) {
        if (options.abandonStalled && link.client.isPaused()) {
          abandoned.add(link);
          links.delete(link);
          continue;
        }
        link.client.resume();
        link.upstream.resume();
      }
    },
    reset() {
      mode = 'reset';
      for (const link of links) cut(link);
    },
    stall() {
      mode = 'stall';
      for (const { client, upstream } of links) {
        client.pause();
        upstream.pause();
      }
    },
    close: async () => {
      for (const link of [...links, ...abandoned]) cut(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
