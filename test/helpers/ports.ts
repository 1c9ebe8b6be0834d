import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Ports for test servers come from below the kernel's ephemeral range (32768–60999 on Linux by default), which
 * it never hands out as an outgoing connection's source port. A port the OS picks with `listen(0)` comes from
 * that range: between the test freeing it and a spawned server binding it, a connection elsewhere on the machine
 * could take it, and the server refused to start ("port … is in use"). Each test worker has a slice of its own
 * and walks it from a random start, so two workers, or two calls in one worker, do not pick the same port.
 */
const FIRST_PORT = 20_000;
const SLICE = 1_500;
const WORKER_SLICES = 8;

const worker = Number(process.env.VITEST_POOL_ID ?? 1);
const sliceStart = FIRST_PORT + ((worker - 1) % WORKER_SLICES) * SLICE;
let offset = randomInt(SLICE);

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A TCP port on 127.0.0.1 that nothing listens on right now, and that no outgoing connection will take. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < SLICE; attempt++) {
    offset = (offset + 1) % SLICE;
    const port = sliceStart + offset;
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port in ${sliceStart}–${sliceStart + SLICE - 1}`);
}
