import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));

/**
 * V8 flags for the processes a test spawns, which live for seconds: V8 then only baseline-compiles PGlite's
 * WebAssembly engine instead of also optimising it on background threads, which costs a third of a
 * command's CPU and is never paid back in so short a life. What the process does is unchanged.
 */
export const shortLivedNodeFlags = ['--liftoff-only'];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `tessera` command in a child process (with `shortLivedNodeFlags`), with only the env a test gives it (and `input` on stdin). */
export function runCli(args: string[], env: Record<string, string> = {}, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...shortLivedNodeFlags, bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
