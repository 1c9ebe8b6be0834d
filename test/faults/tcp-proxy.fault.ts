import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

// The proxy itself, against an echo server: the other fault tests rely on exactly these three behaviours.
describe('TCP proxy', () => {
  let echo: net.Server;
  let proxy: TcpProxy;
  beforeAll(async () => {
    echo = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  const connect = async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    const received: string[] = [];
    const closed = new Promise<string>((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      socket.on('close', () => resolve('closed'));
    });
    socket.on('data', (chunk) => received.push(chunk.toString()));
    await new Promise((resolve) => socket.once('connect', resolve));
    return { socket, received, closed };
  };
  const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

  it('passes bytes both ways', async () => {
    const { socket, received } = await connect();
    socket.write('hello');
    await settle();
    expect(received.join('')).toBe('hello');
    socket.destroy();
  });

  it('stalls without closing, then carries on where it stopped', async () => {
    const { socket, received, closed } = await connect();
    proxy.stall();
    socket.write('held');
    await settle(300);
    expect(received).toEqual([]);
    const late = await connect();
    late.socket.write('late');
    await settle();
    expect(late.received).toEqual([]);
    proxy.pass();
    await settle();
    expect(received.join('')).toBe('held');
    expect(late.received.join('')).toBe('late');
    socket.destroy();
    late.socket.destroy();
    expect(await closed).toBe('closed');
  });

  it('resets open connections and refuses new ones until it passes again', async () => {
    const { closed } = await connect();
    proxy.reset();
    expect(await closed).toBe('ECONNRESET');
    const refused = net.connect(proxy.port, '127.0.0.1');
    const outcome = await new Promise<string>((resolve) => {
      refused.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      refused.on('close', () => resolve('closed'));
    });
    expect(outcome).toBe('ECONNRESET');
    proxy.pass();
    const { socket, received } = await connect();
    socket.write('again');
    await settle();
    expect(received.join('')).toBe('again');
    socket.destroy();
  });
});
