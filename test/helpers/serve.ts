import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { shortLivedNodeFlags } from './cli.js';

export { freePort } from './ports.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A spawned server, with what it printed so far. */
export interface Served {
  child: ChildProcess;
  output(): string;
}

/** `npm start`, or `node bin/tessera.js serve` as the start script runs it (with `shortLivedNodeFlags`), with the test's env over this process's. */
export function startServer(env: Record<string, string>, via: 'npm' | 'node' = 'node'): Served {
  const [command, args] =
    via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, [...shortLivedNodeFlags, 'bin/tessera.js', 'serve']];
  const child = spawn(command as string, args as string[], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed += chunk;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => printed };
}

export async function waitForHealth(url: string, { child, output }: Served): Promise<Response> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return response;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server never became healthy');
}

export const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
