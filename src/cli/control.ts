import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyBaseLogger } from 'fastify';
import { type CommandInput, type CommandName, databaseCommands, isCommandName, runDatabaseCommand } from './commands.js';
import { failureLine } from './failure.js';
import { Interrupted, isStopSignal, type StopSignal } from './interruption.js';
import { progressReporter } from './progress.js';
import type { CommandIo, CommandRuntime } from './runtime.js';

/**
 * The control channel of a server on an embedded database: the CLI cannot open the directory the server
 * holds, so it asks the server to run its command. A Unix socket in DATA_DIR, the directory owner-only
 * (0700) and the socket too (0600): only the machine's user who runs Tessera reaches it.
 */
export const controlSocketPath = (dataDir: string) => join(resolve(dataDir), 'control.sock');

interface ControlRequest<Name extends CommandName = CommandName> {
  command: Name;
  input: CommandInput<Name>;
}

/** What the CLI may send after its request: its operator interrupted it, so the command stops as it would in the CLI. */
interface StopFrame {
  stop: StopSignal;
}

/** What the server sends back, one JSON line each: output as it comes, then the exit code. */
type ControlFrame = { out: string } | { err: string } | { exit: number };

export interface ControlChannel {
  close(): Promise<void>;
}

function frameWriter(socket: Socket): CommandIo {
  const send = (frame: ControlFrame) => socket.write(`${JSON.stringify(frame)}\n`);
  const stream = { isTTY: false as const, write: (text: string) => send({ err: text }) };
  return {
    out: (line) => send({ out: line }),
    err: (text) => send({ err: text }),
    progress: () => progressReporter(stream),
  };
}

const parsed = (line: string): unknown => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

/**
 * The CLI's frames after its request: a stop frame stops the command (SIGINT or SIGTERM, as the operator sent it);
 * the CLI gone before the command ends (a second Ctrl-C ends it at once, or it was killed) stops it too, as SIGTERM:
 * nobody is left to read how it ends, and a backup's partial file must not stay behind.
 */
async function followStops(lines: AsyncIterator<string>, stop: AbortController) {
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const frame = parsed(next.value) as Partial<StopFrame> | undefined;
    if (isStopSignal(frame?.stop)) stop.abort(new Interrupted(frame.stop));
  }
  stop.abort(new Interrupted('SIGTERM'));
}

async function answer(socket: Socket, runtime: Omit<CommandRuntime, 'io'>, log: Pick<FastifyBaseLogger, 'info' | 'warn'>) {
  const io = frameWriter(socket);
  const lines = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  const stop = new AbortController();
  let exit = 1;
  try {
    const first = await lines.next();
    const request = (first.done ? undefined : parsed(first.value)) as ControlRequest | undefined;
    if (!isCommandName(request?.command) || !databaseCommands[request.command].live) {
      throw new Error('the server runs only the commands that may run next to it');
    }
    log.info({ command: request.command }, 'running a CLI command for the control channel');
    followStops(lines, stop).catch(() => stop.abort(new Interrupted('SIGTERM')));
    exit = await runDatabaseCommand(request.command, request.input, { ...runtime, io, stop: stop.signal });
  } catch (error) {
    io.err(failureLine(error));
  }
  socket.end(`${JSON.stringify({ exit } satisfies ControlFrame)}\n`);
}

/** Starts listening on DATA_DIR/control.sock; a socket file left there is a dead server's, since we hold the directory's lock. */
export async function openControlChannel(
  dataDir: string,
  runtime: Omit<CommandRuntime, 'io'>,
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
): Promise<ControlChannel | undefined> {
  const path = controlSocketPath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o700);
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    socket.on('error', () => {});
    void answer(socket, runtime, log);
  });
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(path, done);
    });
  } catch (error) {
    log.warn({ err: error, path }, 'no control channel: CLI commands cannot run while this server holds DATA_DIR');
    return undefined;
  }
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        rmSync(path, { force: true });
      }),
  };
}

/**
 * Runs a command through the server holding DATA_DIR, relaying its output; answers its exit code, or
 * undefined when no server listens there (the directory's holder is another CLI command). `stop` aborted (the
 * operator interrupted the CLI) stops the command in the server, which then says how far it got, as here.
 */
export async function runThroughServer<Name extends CommandName>(
  dataDir: string,
  request: ControlRequest<Name>,
  io: Pick<CommandIo, 'out' | 'err'>,
  stop?: AbortSignal,
): Promise<number | undefined> {
  const socket = createConnection(controlSocketPath(dataDir));
  const connected = await new Promise<boolean>((done) => {
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  if (!connected) return undefined;
  socket.write(`${JSON.stringify(request)}\n`);
  const sendStop = () => {
    const reason = stop?.reason;
    socket.write(`${JSON.stringify({ stop: reason instanceof Interrupted ? reason.signal : 'SIGINT' } satisfies StopFrame)}\n`);
  };
  if (stop?.aborted) sendStop();
  else stop?.addEventListener('abort', sendStop, { once: true });
  let exit: number | undefined;
  for await (const line of createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY })) {
    const frame = JSON.parse(line) as ControlFrame;
    if ('out' in frame) io.out(frame.out);
    else if ('err' in frame) io.err(frame.err);
    else exit = frame.exit;
  }
  if (exit === undefined) throw new Error('the server closed the control channel before the command finished');
  return exit;
}
